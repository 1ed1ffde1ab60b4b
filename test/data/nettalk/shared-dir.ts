/** Where the real NETtalk files are, if this checkout has them (see test/helpers/shared-data.ts). */
import { sharedPath } from '../../helpers/shared-data.js';

export const SHARED_NETTALK_DIR: string | undefined = sharedPath('data', 'nettalk', 'nettalk.data') && sharedPath('data', 'nettalk');
