import { runService } from '@signet/runtime';
import { startReceiver } from './service';

void runService('receiver', startReceiver);
