// One picture in the gallery: its thumbnail when there is one, on its placeholder colour until it loads.
import { useState } from 'react';
import type { Image } from '@direct-upload/client';

/** The variant the grid shows; the original when the server made none (or predates variants). */
const THUMBNAIL = 'thumb';

export function GalleryImage({ image }: { image: Image }) {
  const thumb = image.variants?.[THUMBNAIL];
  const [loaded, setLoaded] = useState(false);
  return (
    <a className="gallery__link" href={image.url} title={`Open the original of ${image.filename}`}>
      <img
        src={thumb?.url ?? image.url}
        alt={image.filename}
        width={thumb?.width ?? image.width}
        height={thumb?.height ?? image.height}
        loading="lazy"
        // Only while loading: behind a transparent picture the colour would show through.
        style={!loaded && image.placeholder ? { backgroundColor: image.placeholder } : undefined}
        onLoad={() => setLoaded(true)}
      />
    </a>
  );
}
