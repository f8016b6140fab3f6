/**
 * Test-only helpers: real redis-server, Distribution registry, Prometheus and Alertmanager on free loopback
 * ports, image pushes, and an HTTP request recorder. Teardown stops only what these helpers started.
 */
export { MissingBinaryError, requireBinary, freePort, makeTempDir, removeDir, sleep, waitFor, ManagedProcess } from './process';
export { startRedis, startRedisCluster, redisClientCount, type RedisServer, type RedisCluster } from './redis';
export { startRegistry, type RegistryServer, type RegistryOptions, type RegistryNotifications } from './registry';
export { buildRandomImage, pushImage, pushIndex, pushImageWithSkopeo, type BuiltImage, type Credentials } from './image';
export { startRecorder, type RecordedRequest, type RequestRecorder } from './recorder';
export { startPrometheus, startAlertmanager, type PrometheusServer, type AlertmanagerServer, type PrometheusOptions } from './prometheus';
export { repoRoot, sharedDir, upstreamSharedDir, PUSH_FIXTURES } from './paths';
export { startService, runServiceToExit, writeConfigFile, type RunningService, type ServiceExit, type SignetApp } from './service';
export { runSignet, type CliResult } from './cli';
export { writeCredentialHelper } from './credential-helper';
export { startForeignOrigin, tokenService, type ForeignOrigin, type Handler, type SeenRequest, type TokenService } from './foreign-origin';
export { makeCertificate, selfSignedCertificate, type CertificateFiles, type TestCertificate } from './certificates';
export { writeKeyPair, type KeyPairFiles } from './key-files';
export { pushEvent } from './push-event';
export { startFaultProxy, type Fault, type FaultProxy, type ProxiedRequest } from './fault-proxy';
export { startSoftHsm, startSoftHsmToken, type SoftHsm, type SoftHsmKey, type SoftHsmToken } from './softhsm';
export {
  CI_BOT,
  MALLORY,
  registryClientOptions,
  registryEntry,
  startRedisAndRegistry,
  writeTrustedKey,
  type RedisAndRegistry,
  type TrustedKey,
} from './stack';
export { watchRedisClients, withPortTaken, type RedisClientWatch } from './leaks';
export { signetIn } from './cli-home';
export { startReferrersOrigin, referrerEntries, type ReferrerEntry, type ReferrersOriginOptions } from './referrers-origin';
export { useRedis, type TestRedis } from './redis-hooks';
export { alertFiring } from './alerts';
export { whileStopped } from './outage';
