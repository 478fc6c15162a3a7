// The phone's half of RFC 9474 RSA Blind Signatures, variant RSABSSA-SHA384-PSS-Randomized.
// ES module, no dependencies: WebCrypto for SHA-384, randomness and the final PSS check,
// BigInt for the blinding arithmetic. WebCrypto exists only in a secure context
// (HTTPS, or http://localhost in development); outside one `crypto.subtle` is undefined.
//
//   const pk = await importPublicKey(spkiBytes);           // the category's key, DER SPKI
//   const msg = prepare(crypto.getRandomValues(new Uint8Array(32)));
//   const { blindedMsg, inv } = await blind(pk, msg);       // send blindedMsg at check-in
//   const sig = await finalize(pk, msg, blindSig, inv);      // throws unless the signature verifies
//   // submit { message: msg, signature: sig } — msg is the *prepared* message (prefix included)
//
// All byte strings are Uint8Array, integers big-endian as in RFC 8017's I2OSP/OS2IP.

const HASH = 'SHA-384';
const HLEN = 48;        // SHA-384 output length
const SLEN = 48;        // PSS salt length of this variant (= HLEN)
const PREFIX_LEN = 32;  // the Randomized variant's message prefix

const digest = async (bytes) => new Uint8Array(await crypto.subtle.digest(HASH, bytes));

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function toBigInt(bytes) {
  let hex = '0x0';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return BigInt(hex);
}

function toBytes(x, len) {
  const hex = x.toString(16).padStart(len * 2, '0');
  if (hex.length > len * 2) throw new Error('integer too large');
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function fromBase64Url(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// Square-and-multiply. Not constant-time (BigInt cannot be); every exponent used here
// is the public e, so the timing reveals nothing about the secret blind r.
function modPow(base, exp, n) {
  let result = 1n;
  base %= n;
  for (; exp > 0n; exp >>= 1n) {
    if (exp & 1n) result = (result * base) % n;
    base = (base * base) % n;
  }
  return result;
}

// Extended Euclid; returns a^-1 mod n, or null when gcd(a, n) != 1.
function modInverse(a, n) {
  let [r0, r1] = [a % n, n];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) return null;
  return ((s0 % n) + n) % n;
}

const bitLength = (x) => x.toString(2).length;

// Uniform in [1, n) by rejection: draw bitLength(n) random bits until the value fits.
function randomBelow(n, len) {
  const excess = len * 8 - bitLength(n);
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(len));
    bytes[0] &= 0xff >> excess;
    const x = toBigInt(bytes);
    if (x > 0n && x < n) return x;
  }
}

// MGF1 (RFC 8017 B.2.1) with SHA-384.
async function mgf1(seed, len) {
  const out = new Uint8Array(len);
  for (let c = 0, at = 0; at < len; c++, at += HLEN) {
    const block = await digest(concat(seed, new Uint8Array([c >>> 24, c >>> 16 & 255, c >>> 8 & 255, c & 255])));
    out.set(block.subarray(0, Math.min(HLEN, len - at)), at);
  }
  return out;
}

// EMSA-PSS-ENCODE (RFC 8017 9.1.1) with SHA-384, MGF1-SHA-384 and a 48-byte salt.
async function emsaPssEncode(msg, emBits, salt) {
  const emLen = Math.ceil(emBits / 8);
  if (salt.length !== SLEN) throw new Error('salt must be 48 bytes');
  if (emLen < HLEN + SLEN + 2) throw new Error('encoding error');
  const h = await digest(concat(new Uint8Array(8), await digest(msg), salt));
  const db = new Uint8Array(emLen - HLEN - 1);          // PS (zeros) || 0x01 || salt
  db[db.length - SLEN - 1] = 1;
  db.set(salt, db.length - SLEN);
  const mask = await mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);                 // clear the bits above emBits
  return concat(db, h, new Uint8Array([0xbc]));
}

/** Reads a DER SubjectPublicKeyInfo (rsaEncryption). Returns {n, e, modulusBytes, key}. */
export async function importPublicKey(spki) {
  // Let the browser parse the DER; the JWK export hands back n and e.
  const key = await crypto.subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: HASH }, true, ['verify']);
  const jwk = await crypto.subtle.exportKey('jwk', key);
  const n = toBigInt(fromBase64Url(jwk.n));
  const e = toBigInt(fromBase64Url(jwk.e));
  return { n, e, modulusBytes: Math.ceil(bitLength(n) / 8), key };
}

/** RFC 9474 §4.1, Randomized: 32 random bytes || msg. This prepared message is what gets signed. */
export function prepare(msg) {
  return concat(crypto.getRandomValues(new Uint8Array(PREFIX_LEN)), msg);
}

/**
 * RFC 9474 §4.2. Returns {blindedMsg, inv}: blindedMsg (modulusBytes long) goes to the server;
 * inv (r^-1 mod n, modulusBytes long) stays on the phone for finalize(). Options salt and r
 * (Uint8Array or BigInt) are for test vectors only; by default both are fresh random values.
 */
export async function blind(pk, preparedMsg, { salt, r } = {}) {
  const { n, e, modulusBytes } = pk;
  const encoded = await emsaPssEncode(preparedMsg, bitLength(n) - 1, salt ?? crypto.getRandomValues(new Uint8Array(SLEN)));
  const m = toBigInt(encoded);
  if (modInverse(m, n) === null) throw new Error('invalid input');  // m must be coprime with n
  const rr = r === undefined ? randomBelow(n, modulusBytes) : (typeof r === 'bigint' ? r : toBigInt(r));
  const inv = rr > 0n && rr < n ? modInverse(rr, n) : null;
  if (inv === null) throw new Error('blinding error');
  return {
    blindedMsg: toBytes((m * modPow(rr, e, n)) % n, modulusBytes),
    inv: toBytes(inv, modulusBytes),
  };
}

/**
 * RFC 9474 §4.4. Unblinds the server's blindSig and checks the result with RSASSA-PSS-VERIFY;
 * returns the signature (modulusBytes long) or throws, so a bad or substituted key is caught here.
 */
export async function finalize(pk, preparedMsg, blindSig, inv) {
  const { n, modulusBytes, key } = pk;
  if (blindSig.length !== modulusBytes) throw new Error('unexpected input size');
  const z = toBigInt(blindSig);
  if (z >= n) throw new Error('unexpected input size');
  const sig = toBytes((z * (typeof inv === 'bigint' ? inv : toBigInt(inv))) % n, modulusBytes);
  const ok = await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: SLEN }, key, sig, preparedMsg);
  if (!ok) throw new Error('invalid signature');
  return sig;
}
