/** Largest manifest (or index) read or written: containers/image's limit, and Distribution's default. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest blob read into memory unless a caller asks for more. */
export const DEFAULT_MAX_BLOB_BYTES = 4 * 1024 * 1024;
