export type { RenderedFile } from '../lib/rendered-file.js';
