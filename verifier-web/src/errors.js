// The verifier's errors, grouped by who is at fault: the same three as verifier/errors.py,
// so that a failed check reads the same in the browser and in beacon-verify.

/** Base class of every error the verifier raises on purpose. */
export class VerifyError extends Error {}

/** The input is not what PROTOCOL.md says it must be; names the field. */
export class ParseError extends VerifyError {
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** A well-formed input fails a check. `code` is the spec's outcome name, if it fixes one. */
export class CheckFailed extends VerifyError {
  constructor(message, { code = "invalid" } = {}) {
    super(message);
    this.code = code;
  }
}
