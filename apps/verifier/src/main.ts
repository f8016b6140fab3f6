import { runService } from '@signet/runtime';
import { startVerifier } from './service';

void runService('verifier', startVerifier);
