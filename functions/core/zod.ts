/**
 * The one way this codebase imports zod: the functional `zod/mini` build, which adds about 20 KB to
 * a Lambda bundle where full zod adds about 440 KB, with the English error messages full zod sets
 * up by itself. zod/mini ships no locale, so without this every message we do not write ourselves
 * ("Unrecognized key: …", "Too small: …") would read "Invalid input".
 *
 * Import it as a namespace (`import * as z from '../zod'`) and only call through it: the bundler
 * then keeps just the schemas used. Passing the namespace around as a value would pull in all of
 * zod again.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
