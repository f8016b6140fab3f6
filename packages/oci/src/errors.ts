/**
 * A reference, tag or digest that is not in the grammar. It extends TypeError because a malformed name is a
 * caller's value of the wrong shape; `code` stays stable for callers that map it (HTTP 400, CLI usage error).
 */
export class InvalidReferenceError extends TypeError {
  readonly code = 'INVALID_REFERENCE';
}
