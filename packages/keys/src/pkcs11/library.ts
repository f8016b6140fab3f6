import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type * as Pkcs11js from 'pkcs11js';
import { KeyError } from '../errors';

export type Binding = typeof Pkcs11js;

let binding: Promise<Binding> | undefined;

/**
 * pkcs11js is loaded on first use, not when @signet/keys is imported: it is a native addon, and commands that
 * never touch a token should not fail where it could not be built.
 */
function loadBinding(): Promise<Binding> {
  // The CommonJS exports object: `default` when loaded as ES module (tsx, node), the namespace itself after
  // a CommonJS transform copies it.
  binding ??= import('pkcs11js')
    .then((m) => (m as { default?: Binding }).default ?? m)
    .catch((cause: unknown) => {
      binding = undefined;
      throw new KeyError(
        'PKCS11_MODULE_ERROR',
        'the PKCS#11 binding (pkcs11js) is not installed or was not built: run npm ci where python3, make and g++ are available',
        { cause },
      );
    });
  return binding;
}

/** The CKR_… name of a PKCS#11 failure (pkcs11js puts it in the message), or undefined for anything else. */
export function ckrName(err: unknown): string | undefined {
  return err instanceof Error && /^CKR_[A-Z0-9_]+$/.test(err.message) ? err.message : undefined;
}

/** cosign refuses a module path that is not an absolute path to a regular file before loading anything. */
function checkModulePath(path: string): void {
  if (!isAbsolute(path)) throw new KeyError('PKCS11_MODULE_ERROR', `module-path ${path} is not an absolute path`);
  let regular: boolean;
  try {
    regular = statSync(path).isFile();
  } catch (cause) {
    throw new KeyError('PKCS11_MODULE_ERROR', `cannot access module-path ${path}`, { cause });
  }
  if (!regular) throw new KeyError('PKCS11_MODULE_ERROR', `module-path ${path} is not a regular file`);
}

const libraries = new Map<string, Promise<Pkcs11Library>>();

/**
 * One loaded, initialised PKCS#11 module, shared by every provider that names the same path: a module is
 * initialised once per process (a second C_Initialize answers CKR_CRYPTOKI_ALREADY_INITIALIZED), and its
 * sessions and login state are the process's.
 */
export class Pkcs11Library {
  private users = 0;
  private released = false;
  /** Bumped by each re-initialisation: sessions and handles of an earlier generation are dead. */
  generation = 0;

  private constructor(
    readonly path: string,
    readonly api: Pkcs11js.PKCS11,
    readonly ck: Binding,
  ) {}

  /** The module at `path`, loaded and initialised on first use; pair each call with `release()`. */
  static async acquire(path: string): Promise<Pkcs11Library> {
    let pending = libraries.get(path);
    if (!pending) {
      pending = Pkcs11Library.open(path);
      libraries.set(path, pending);
      pending.catch(() => libraries.delete(path));
    }
    const library = await pending;
    // The last user let go while this call waited: that library is finalised, so open the module afresh.
    if (library.released) return Pkcs11Library.acquire(path);
    library.users++;
    return library;
  }

  private static async open(path: string): Promise<Pkcs11Library> {
    checkModulePath(path);
    const ck = await loadBinding();
    const api = new ck.PKCS11();
    try {
      api.load(path);
    } catch (cause) {
      throw new KeyError('PKCS11_MODULE_ERROR', `cannot load the PKCS#11 module ${path}`, { cause });
    }
    const library = new Pkcs11Library(path, api, ck);
    try {
      library.initialize();
    } catch (cause) {
      api.close();
      throw new KeyError('PKCS11_MODULE_ERROR', `the PKCS#11 module ${path} failed to initialise`, { cause });
    }
    return library;
  }

  private initialize(): void {
    // OS locking: signatures run on libuv's threads (C_SignAsync) while the event loop may call in too.
    const options = { flags: this.ck.CKF_OS_LOCKING_OK };
    try {
      this.api.C_Initialize(options);
    } catch (err) {
      if (ckrName(err) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw err;
      // Another copy of this package in the process (a test runner's earlier module registry) left it
      // initialised, with that copy's configuration: start again so this one's environment applies.
      this.api.C_Finalize();
      this.api.C_Initialize(options);
    }
  }

  /**
   * Finalises and initialises the module again. Some modules (SoftHSM among them) see a token that was
   * removed and put back only after this; every session and handle of the old generation is gone.
   */
  reinitialize(): void {
    try {
      this.api.C_Finalize();
    } catch {
      // Already broken: initialising again is the way out.
    }
    this.generation++;
    this.initialize();
  }

  /** Finalises and unloads the module when its last user lets go. */
  release(): void {
    if (--this.users > 0) return;
    this.released = true;
    libraries.delete(this.path);
    try {
      this.api.C_Finalize();
    } catch {
      // Nothing to release in a module that failed.
    }
    this.api.close();
  }
}
