// The page's one uploader: the widget and the gallery share its API client and so its session.
import { createUploader } from '@direct-upload/client';

export const uploader = createUploader({ concurrency: 3 });
