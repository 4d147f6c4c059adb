// Entry of the demo page: mounts the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@direct-upload/react/styles.css';
import './demo.css';
import { App } from './app.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
