/** Where the browser tests read fixtures from and write their screenshots to. */
import { join } from 'node:path';

export const REPOSITORY = join(import.meta.dirname, '../..');
export const SCREENSHOT_DIR = join(REPOSITORY, 'reports/screenshots');
