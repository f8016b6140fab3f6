import { runService } from '@signet/runtime';
import { startSigner } from './service';

void runService('signer', startSigner);
