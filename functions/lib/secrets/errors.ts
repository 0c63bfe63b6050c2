/** Base error of the secrets module. Messages name the secret, never its value. */
export class SecretsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretsError';
  }
}

/** The referenced secret, variable or JSON key does not exist or is empty. */
export class SecretNotFoundError extends SecretsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretNotFoundError';
  }
}
