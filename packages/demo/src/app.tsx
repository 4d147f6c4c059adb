// The demo page: the upload widget above a gallery of this browser's images.
import { ImageUpload } from '@direct-upload/react';
import { Gallery } from './gallery.js';
import { useGallery } from './use-gallery.js';
import { uploader } from './uploader.js';

export function App() {
  const gallery = useGallery(uploader.api);
  return (
    <main className="demo">
      <h1>Direct upload</h1>
      <p className="demo__intro">Images go straight from this page to storage; the server only signs and checks them.</p>
      <section aria-labelledby="upload-heading">
        <h2 id="upload-heading">Upload</h2>
        <ImageUpload uploader={uploader} onUploaded={gallery.reload} />
      </section>
      <section aria-labelledby="gallery-heading">
        <h2 id="gallery-heading">Your images</h2>
        <Gallery gallery={gallery} />
      </section>
    </main>
  );
}
