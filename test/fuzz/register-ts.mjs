// `node --import ./register-ts.mjs` (or the first import of a worker): installs ts-loader.mjs.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
