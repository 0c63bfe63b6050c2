/** The port that signs digests, and the part of it a verifier needs (the public key). */

/**
 * Signs digests with a key the audit writers cannot use. Adapters: `LocalKeySigner` (a P-256
 * key file, local mode) and `KmsSigner` (a KMS `ECC_NIST_P256` `SIGN_VERIFY` key, deployed).
 */
export interface DigestSigner {
  /**
   * ECDSA P-256 signature (DER) over SHA-256 of `message`, as `crypto.verify('sha256', ...)`
   * and KMS `ECDSA_SHA_256` define it.
   */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** The public key, PEM (SubjectPublicKeyInfo): all a verifier needs. */
  publicKeyPem(): Promise<string>;
}
