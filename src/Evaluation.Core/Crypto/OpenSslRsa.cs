using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Evaluation.Core.Crypto;

/// <summary>
/// The raw RSA operations (x^d mod n and x^e mod n, no padding) in the platform's libcrypto, the same library .NET uses for
/// its own RSA on Linux: OpenSSL's private operation is constant-time, blinds its input itself and is some twenty times
/// faster than BouncyCastle's arithmetic, and a check-in makes two of them. .NET's RSA has no unpadded operation, so this
/// calls EVP_PKEY_decrypt / EVP_PKEY_encrypt with RSA_NO_PADDING on the key .NET built (<see cref="RSAOpenSsl"/>).
/// Absent where .NET does not use OpenSSL (Windows, macOS) or its version is not 3: the caller falls back to managed code.
/// </summary>
internal sealed unsafe class OpenSslRsa
{
    private const int RsaNoPadding = 3;

    private readonly SafeEvpPKeyHandle _key;
    private readonly int _length;
    // An EVP_PKEY_CTX is not safe to share between threads, and making one costs about a tenth of a signature: so each
    // thread takes an idle one, or makes one, and gives it back. Each holds its own reference to the key.
    private readonly ConcurrentBag<Context> _idlePrivate = [];
    private readonly ConcurrentBag<Context> _idlePublic = [];

    private OpenSslRsa(SafeEvpPKeyHandle key, int length) => (_key, _length) = (key, length);

    /// <summary>The key in OpenSSL, or null where OpenSSL 3 is not the platform's cryptography.</summary>
    public static OpenSslRsa? TryCreate(RSAParameters parameters)
    {
        if (!OperatingSystem.IsLinux() || LibCrypto.Instance is null) return null;
        using var rsa = new RSAOpenSsl(parameters);
        return new OpenSslRsa(rsa.DuplicateKeyHandle(), parameters.Modulus!.Length);
    }

    /// <summary>x^d mod n for x of exactly the modulus length and below n; null if OpenSSL refused.</summary>
    public byte[]? Private(ReadOnlySpan<byte> x) => Apply(_idlePrivate, x, forPrivate: true);

    /// <summary>x^e mod n for x of exactly the modulus length and below n; null if OpenSSL refused.</summary>
    public byte[]? Public(ReadOnlySpan<byte> x) => Apply(_idlePublic, x, forPrivate: false);

    private byte[]? Apply(ConcurrentBag<Context> idle, ReadOnlySpan<byte> x, bool forPrivate)
    {
        var lib = LibCrypto.Instance!;
        var context = idle.TryTake(out var found) ? found : NewContext(lib, forPrivate);
        if (context is null) return null;
        var output = new byte[_length];
        nuint written = (nuint)output.Length;
        int ok;
        fixed (byte* input = x)
        fixed (byte* result = output)
            ok = forPrivate
                ? lib.Decrypt(context.Pointer, result, &written, input, (nuint)x.Length)
                : lib.Encrypt(context.Pointer, result, &written, input, (nuint)x.Length);
        GC.KeepAlive(context);
        if (ok != 1 || written != (nuint)output.Length)
        {
            // Left on this thread's error queue, it would be read as the cause of .NET's next unrelated failure.
            lib.ClearError();
            context.Dispose();
            CryptographicOperations.ZeroMemory(output);
            return null;
        }
        idle.Add(context);
        return output;
    }

    private Context? NewContext(LibCrypto lib, bool forPrivate)
    {
        var added = false;
        try
        {
            _key.DangerousAddRef(ref added);
            var pointer = lib.NewContext(_key.DangerousGetHandle(), IntPtr.Zero);
            if (pointer == IntPtr.Zero)
            {
                lib.ClearError();
                return null;
            }
            var context = new Context(pointer);
            if ((forPrivate ? lib.DecryptInit(pointer) : lib.EncryptInit(pointer)) != 1 || lib.SetRsaPadding(pointer, RsaNoPadding) != 1)
            {
                lib.ClearError();
                context.Dispose();
                return null;
            }
            return context;
        }
        finally
        {
            if (added) _key.DangerousRelease();
        }
    }

    /// <summary>An EVP_PKEY_CTX, freed when disposed or finalised (the key cache drops idle keys, contexts and all).</summary>
    private sealed class Context() : SafeHandle(IntPtr.Zero, ownsHandle: true)
    {
        public Context(IntPtr pointer) : this() => SetHandle(pointer);

        public IntPtr Pointer => handle;

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            LibCrypto.Instance!.FreeContext(handle);
            return true;
        }
    }

    /// <summary>The handful of libcrypto functions needed, from the very library .NET loaded (same soname, same process copy).</summary>
    private sealed class LibCrypto
    {
        public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr> NewContext;
        public readonly delegate* unmanaged<IntPtr, void> FreeContext;
        public readonly delegate* unmanaged<IntPtr, int> DecryptInit;
        public readonly delegate* unmanaged<IntPtr, int> EncryptInit;
        public readonly delegate* unmanaged<IntPtr, int, int> SetRsaPadding;
        public readonly delegate* unmanaged<IntPtr, byte*, nuint*, byte*, nuint, int> Decrypt;
        public readonly delegate* unmanaged<IntPtr, byte*, nuint*, byte*, nuint, int> Encrypt;
        public readonly delegate* unmanaged<void> ClearError;

        private LibCrypto(IntPtr library)
        {
            NewContext = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)NativeLibrary.GetExport(library, "EVP_PKEY_CTX_new");
            FreeContext = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(library, "EVP_PKEY_CTX_free");
            DecryptInit = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(library, "EVP_PKEY_decrypt_init");
            EncryptInit = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(library, "EVP_PKEY_encrypt_init");
            // A function since OpenSSL 3.0 (a macro before), which is why only 3.x is used.
            SetRsaPadding = (delegate* unmanaged<IntPtr, int, int>)NativeLibrary.GetExport(library, "EVP_PKEY_CTX_set_rsa_padding");
            Decrypt = (delegate* unmanaged<IntPtr, byte*, nuint*, byte*, nuint, int>)NativeLibrary.GetExport(library, "EVP_PKEY_decrypt");
            Encrypt = (delegate* unmanaged<IntPtr, byte*, nuint*, byte*, nuint, int>)NativeLibrary.GetExport(library, "EVP_PKEY_encrypt");
            ClearError = (delegate* unmanaged<void>)NativeLibrary.GetExport(library, "ERR_clear_error");
        }

        private static readonly Lazy<LibCrypto?> Loaded = new(Load);

        /// <summary>Null where the platform's RSA is not OpenSSL 3; decided once, on first use, never on Windows.</summary>
        public static LibCrypto? Instance => Loaded.Value;

        private static LibCrypto? Load()
        {
            if (!OperatingSystem.IsLinux()) return null;
            try
            {
                // The version of the libcrypto .NET itself loaded: loading another copy would hand keys between two OpenSSLs.
                if (SafeEvpPKeyHandle.OpenSslVersion >> 28 != 3) return null;
                return NativeLibrary.TryLoad("libcrypto.so.3", out var library) ? new LibCrypto(library) : null;
            }
            catch (Exception e) when (e is PlatformNotSupportedException or EntryPointNotFoundException or DllNotFoundException or TypeInitializationException)
            {
                return null;
            }
        }
    }
}
