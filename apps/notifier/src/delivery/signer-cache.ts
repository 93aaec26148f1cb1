import { type SecretBox, WebhookSigner } from '@hub/webhooks';

/**
 * Signers by subscription, each opened once from its sealed secret: opening is an AES-GCM
 * decryption, signing happens on every attempt. A secret rotated since is opened afresh; the
 * least recently opened go first beyond `capacity`.
 */
export class SignerCache {
  private readonly signers = new Map<string, { sealed: string; signer: WebhookSigner }>();

  constructor(
    private readonly secrets: SecretBox,
    private readonly capacity: number,
  ) {}

  get size(): number {
    return this.signers.size;
  }

  /**
   * Throws SecretBoxError when the sealed secret does not open: HUB_SECRET_KEY changed without
   * HUB_SECRET_KEY_PREVIOUS, or the value was sealed for another subscription.
   */
  signerFor(subscriptionId: string, sealed: string): WebhookSigner {
    const cached = this.signers.get(subscriptionId);
    if (cached?.sealed === sealed) return cached.signer;
    const signer = new WebhookSigner(this.secrets.open(sealed, subscriptionId));
    this.signers.delete(subscriptionId);
    if (this.signers.size >= this.capacity) {
      // A Map keeps insertion order: the first key is the least recently opened.
      this.signers.delete(this.signers.keys().next().value!);
    }
    this.signers.set(subscriptionId, { sealed, signer });
    return signer;
  }
}
