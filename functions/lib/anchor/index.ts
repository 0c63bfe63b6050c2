/**
 * Public face of the anchor module: signed digests of the audit chain heads (CloudTrail
 * digest files and CT signed tree heads are the models), the `DigestSigner` and `AnchorStore`
 * ports with their local adapters, the anchor run, verification against the digests and
 * offline proofs. Import from here, not from the files behind it.
 */
export type { AnchorStore, CreateOutcome } from './anchor-store';
export type { DigestSigner } from './digest-signer';
export { FileAnchorStore } from './file-anchor-store';
export { LocalKeySigner } from './local-key-signer';
export { runAnchor, loadAnchorState, ANCHOR_DEFAULTS } from './anchor-run';
export type { AnchorRunDeps, AnchorRunOptions, AnchorState, HeldChain } from './anchor-run';
export {
  verifyAnchored,
  checkDigests,
  chainSetFilter,
  DigestChainChecker,
  AnchoredChainCheck,
  BreakList,
  DIGEST_CHAIN,
  MAX_REPORTED_BREAKS,
  VERIFY_PAGE_CHAINS,
} from './verify-anchored';
export type { VerifyAnchoredDeps, VerifyAnchoredOptions, CheckDigestsOptions, ChainFilter, AnchoredHead } from './verify-anchored';
export {
  digestName,
  seqOfName,
  partName,
  parsePartName,
  parseDigestFile,
  encodeDigestFile,
  signedBytes,
  publicKeyOf,
  sha256Hex,
  signatureValid,
  DIGEST_PREFIX,
  PART_PREFIX,
  MAX_PART_BYTES,
} from './digest';
export type { ParsedDigest } from './digest';
export { AnchorError, ProofFormatError, AnchorNotConfiguredError } from './errors';
export { DIGEST_VERSION } from './types';
export type { Digest, DigestFile, DigestHead, DigestPart, DigestPartRef, AnchorResult, AnchoredVerifyReport, UnanchoredSummary, DigestSummary } from './types';
export { digestsPage, digestPart, proofChains, chainRecordsPage, MAX_DIGEST_PAGE_BYTES, PROOF_CHAINS_PAGE } from './anchor-service';
export type { AnchorService } from './anchor-service';
export { verifyProof, PROOF_FILES } from './proof';
export type { ProofManifest } from './proof';
