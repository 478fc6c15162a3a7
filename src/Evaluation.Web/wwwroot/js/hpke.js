// The phone's half of HPKE (RFC 9180): base mode, single shot, one suite only —
// DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM (kem 0x0010, kdf 0x0001, aead 0x0002).
// ES module, no dependencies: WebCrypto for ECDH, HMAC and AES-GCM (a secure context only).
// Its twin on the server is Evaluation.Core.Crypto.Hpke; both pass RFC 9180's vectors.
//
//   const sealed = await seal(boxKeyRaw, info, aad, plaintext);   // enc (65 bytes) || ciphertext || tag (16)
//
// All byte strings are Uint8Array; boxKeyRaw is the 65-byte uncompressed P-256 point.

const te = new TextEncoder();
const EMPTY = new Uint8Array(0);
const V1 = te.encode('HPKE-v1');
const AES_256_GCM = 2;

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const u16 = (n) => new Uint8Array([n >> 8, n & 255]);
const KEM_SUITE = concat(te.encode('KEM'), u16(0x10));
const hpkeSuite = (aead) => concat(te.encode('HPKE'), u16(0x10), u16(1), u16(aead));

// HKDF-SHA256 from WebCrypto's HMAC: WebCrypto's own HKDF never hands out the PRK that HPKE labels and reuses.
// An empty salt is HMAC's all-zero key of hash length (WebCrypto refuses a zero-length HMAC key).
async function hmac(key, data) {
  const k = await crypto.subtle.importKey('raw', key.length ? key : new Uint8Array(32),
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}

const labeledExtract = (suite, salt, label, ikm) => hmac(salt, concat(V1, suite, te.encode(label), ikm));

// Every length HPKE asks for here is at most 32, so HKDF-Expand is its first block.
async function labeledExpand(suite, prk, label, info, length) {
  const t = await hmac(prk, concat(u16(length), V1, suite, te.encode(label), info, [1]));
  return t.slice(0, length);
}

/**
 * Seals with a given ephemeral ECDH key pair — for RFC 9180's known-answer tests only: reusing one
 * breaks the encryption. seq and aead (1 = AES-128-GCM, of the RFC's P-256 vectors) are for the tests too.
 */
export async function sealWith(ephemeral, recipientPublicKeyRaw, info, aad, plaintext, { seq = 0, aead = AES_256_GCM } = {}) {
  const pkR = await crypto.subtle.importKey('raw', recipientPublicKeyRaw, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const enc = new Uint8Array(await crypto.subtle.exportKey('raw', ephemeral.publicKey));
  const dh = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: pkR }, ephemeral.privateKey, 256));

  // Encap (§4.1): ExtractAndExpand(dh, enc || pkR).
  const eaePrk = await labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dh);
  const shared = await labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', concat(enc, recipientPublicKeyRaw), 32);

  // KeySchedule (§5.1), mode_base: no psk, no psk_id.
  const suite = hpkeSuite(aead);
  const context = concat([0], await labeledExtract(suite, EMPTY, 'psk_id_hash', EMPTY),
    await labeledExtract(suite, EMPTY, 'info_hash', info));
  const secret = await labeledExtract(suite, shared, 'secret', EMPTY);
  const key = await labeledExpand(suite, secret, 'key', context, aead === AES_256_GCM ? 32 : 16);
  const nonce = await labeledExpand(suite, secret, 'base_nonce', context, 12);
  for (let i = 11, s = seq; s > 0; i--, s = Math.floor(s / 256)) nonce[i] ^= s % 256;

  const aes = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, aes, plaintext);
  for (const secretBytes of [dh, eaePrk, shared, secret, key]) secretBytes.fill(0);
  return concat(enc, new Uint8Array(ct));
}

/** HPKE single-shot Seal to the box key with a fresh ephemeral key: returns enc || ciphertext || tag. */
export async function seal(recipientPublicKeyRaw, info, aad, plaintext) {
  const ephemeral = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  return sealWith(ephemeral, recipientPublicKeyRaw, info, aad, plaintext);
}
