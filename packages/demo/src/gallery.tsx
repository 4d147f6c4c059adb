// The grid of the caller's images, each linking to its original, with a delete button.
import { GalleryImage } from './gallery-image.js';
import type { Gallery as GalleryModel } from './use-gallery.js';

export function Gallery({ gallery }: { gallery: GalleryModel }) {
  const { images, status, error, nextCursor } = gallery;
  return (
    <div className="gallery" aria-busy={status === 'loading'}>
      {error ? (
        <p className="gallery__error" role="alert">
          {error}
        </p>
      ) : null}
      {status !== 'loading' && images.length === 0 && !error ? <p className="gallery__empty">No images yet.</p> : null}
      <ul className="gallery__grid" aria-label="Your images">
        {images.map((image) => (
          <li key={image.id} className="gallery__item">
            <figure>
              <GalleryImage image={image} />
              <figcaption>
                <span className="gallery__name">{image.filename}</span>
                <button type="button" className="gallery__delete" aria-label={`Delete ${image.filename}`} onClick={() => void gallery.remove(image)}>
                  Delete
                </button>
              </figcaption>
            </figure>
          </li>
        ))}
      </ul>
      {nextCursor ? (
        <button type="button" className="gallery__more" onClick={gallery.loadMore} disabled={status === 'loading'}>
          Show more
        </button>
      ) : null}
    </div>
  );
}
