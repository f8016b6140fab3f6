import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { createErrorReporter, createLogger } from '../src';

/** A real pino logger writing into memory, and a clock the test moves. */
function setup(summaryIntervalMs = 30_000) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  let t = 1_000_000;
  const reporter = createErrorReporter(createLogger({ service: 'test', destination }), { summaryIntervalMs, now: () => t });
  return { lines, reporter, advance: (ms: number) => (t += ms) };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

describe('the rate-limited connection error reporter', () => {
  it('writes the first error of a kind at warn, then one summary per interval, then one info line when every connection is back', () => {
    const { lines, reporter, advance } = setup(30_000);
    const a = reporter.watch(new EventEmitter(), 'redis:worker:1', { readyEvent: 'ready' });
    const b = reporter.watch(new EventEmitter(), 'redis:producer:1', { readyEvent: 'ready' });
    const worker = reporter.watch(new EventEmitter(), 'worker:signet.verify');
    // 60 s of a Redis outage: three emitters, an error every 2 s each.
    for (let i = 0; i < 30; i++) {
      for (const e of [a, b, worker]) e.emit('error', refused());
      advance(2000);
    }
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'redis connection error; further errors of this kind are counted and summarised'],
      ['warn', 'redis connection errors continue'],
    ]);
    expect(lines[0]).toMatchObject({ errorKind: 'ECONNREFUSED', source: 'redis:worker:1' });
    expect(lines[1]).toMatchObject({ errorKind: 'ECONNREFUSED', sources: ['redis:producer:1', 'redis:worker:1', 'worker:signet.verify'] });

    a.emit('ready');
    expect(lines).toHaveLength(2);
    b.emit('ready');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({
      level: 'info',
      msg: 'redis connection restored',
      errors: 90,
      errorKinds: ['ECONNREFUSED'],
      downSeconds: 60,
    });
    // A ready that follows no error (a first connect) says nothing.
    a.emit('ready');
    expect(lines).toHaveLength(3);

    // The next outage is reported afresh.
    a.emit('error', refused());
    expect(lines[3]).toMatchObject({ level: 'warn', errorKind: 'ECONNREFUSED', source: 'redis:worker:1' });
  });

  it('reports each kind of error apart, by its code or else its name and message', () => {
    const { lines, reporter } = setup();
    const c = reporter.watch(new EventEmitter(), 'redis:worker:1', { readyEvent: 'ready' });
    c.emit('error', refused());
    c.emit('error', refused());
    c.emit('error', new Error('Connection is closed.'));
    c.emit('node error', Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    expect(lines.map((l) => l.errorKind)).toEqual(['ECONNREFUSED', 'Error: Connection is closed.', 'ETIMEDOUT']);
  });
});
