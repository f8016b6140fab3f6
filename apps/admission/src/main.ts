import { runService } from '@signet/runtime';
import { startAdmission } from './service';

void runService('admission', startAdmission);
