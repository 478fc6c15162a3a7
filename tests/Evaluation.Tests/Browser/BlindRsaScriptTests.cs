using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The phone's blind-signature script (wwwroot/js/blindrsa.js) in headless Chromium, checked against
/// RFC 9474's vectors for RSABSSA-SHA384-PSS-Randomized. The page is served by request interception
/// at http://localhost, which browsers treat as a secure context, so WebCrypto is available as on the
/// production HTTPS origin; anything not for that origin is aborted and recorded.
/// </summary>
public sealed class BlindRsaScriptTests
{
    private const string Origin = "http://localhost";
    private const string Variant = "RSABSSA-SHA384-PSS-Randomized";

    // Evaluated in the page before each call: hex helpers and the module under test.
    private const string Prelude = """
        const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
        const toHex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');
        const rsa = await import('/js/blindrsa.js');
        """;

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private string _script = null!;
    private Vector _vector = null!;
    private string _spkiHex = null!;

    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private readonly List<string> _requests = [];
    private readonly List<string> _foreignRequests = [];

    [OneTimeSetUp]
    public async Task StartBrowser()
    {
        var root = Repository.Root;
        _script = await File.ReadAllTextAsync(Path.Combine(root, "src", "Evaluation.Web", "wwwroot", "js", "blindrsa.js"));
        _vector = await Vector.LoadAsync(Path.Combine(root, "tests", "vectors", "rfc9474.json"), Variant);

        using (var key = RSA.Create())
        {
            key.ImportParameters(new RSAParameters { Modulus = Convert.FromHexString(_vector.N), Exponent = Convert.FromHexString(_vector.E) });
            _spkiHex = Convert.ToHexStringLower(key.ExportSubjectPublicKeyInfo());
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await DebianChromium.LaunchAsync(_playwright);
    }

    [OneTimeTearDown]
    public async Task StopBrowser()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }

    [SetUp]
    public async Task OpenPage()
    {
        _requests.Clear();
        _foreignRequests.Clear();
        _context = await _browser.NewContextAsync();
        await _context.RouteAsync("**/*", Serve);
        _page = await _context.NewPageAsync();
        _page.Request += (_, request) => _requests.Add(request.Url);
        await _page.GotoAsync(Origin + "/");
    }

    [TearDown]
    public async Task ClosePage() => await _context.CloseAsync();

    private async Task Serve(IRoute route)
    {
        var url = new Uri(route.Request.Url);
        if (url.GetLeftPart(UriPartial.Authority) != Origin)
        {
            _foreignRequests.Add(route.Request.Url);
            await route.AbortAsync();
            return;
        }
        await (url.AbsolutePath switch
        {
            "/" => route.FulfillAsync(new() { ContentType = "text/html; charset=utf-8", Body = "<!doctype html><meta charset=utf-8><title>blindrsa</title>" }),
            "/js/blindrsa.js" => route.FulfillAsync(new() { ContentType = "text/javascript; charset=utf-8", Body = _script }),
            _ => route.FulfillAsync(new() { Status = 404, Body = "" }),
        });
    }

    [Test]
    public async Task Page_IsSecureContext_WithWebCrypto()
    {
        var secure = await _page.EvaluateAsync<bool>("() => window.isSecureContext && typeof crypto.subtle?.digest === 'function'");
        Assert.That(secure, Is.True, "http://localhost must be a secure context, or WebCrypto is missing");
    }

    [Test]
    public async Task ImportPublicKey_ReadsModulusAndExponent()
    {
        var key = await _page.EvaluateAsync<JsonElement>($$"""
            async (a) => {
              {{Prelude}}
              const pk = await rsa.importPublicKey(hex(a.spki));
              return { n: pk.n.toString(16), e: pk.e.toString(16), modulusBytes: pk.modulusBytes };
            }
            """, new { spki = _spkiHex });

        Assert.That(key.GetProperty("n").GetString(), Is.EqualTo(_vector.N.TrimStart('0')));
        Assert.That(key.GetProperty("e").GetString(), Is.EqualTo(_vector.E.TrimStart('0')));
        Assert.That(key.GetProperty("modulusBytes").GetInt32(), Is.EqualTo(_vector.N.Length / 2));
        AssertOnlyTestOriginRequested();
    }

    [Test]
    public async Task Blind_WithVectorSaltAndR_GivesVectorBlindedMessageAndInverse()
    {
        var r = BigInteger.ModPow(_vector.Int(_vector.Inv), _vector.Phi - 1, _vector.Modulus); // r = inv^-1 mod n (Euler)
        var blinded = await _page.EvaluateAsync<JsonElement>($$"""
            async (a) => {
              {{Prelude}}
              const pk = await rsa.importPublicKey(hex(a.spki));
              const { blindedMsg, inv } = await rsa.blind(pk, hex(a.prepared), { salt: hex(a.salt), r: hex(a.r) });
              return { blindedMsg: toHex(blindedMsg), inv: toHex(inv) };
            }
            """, new { spki = _spkiHex, prepared = _vector.PreparedMsg, salt = _vector.Salt, r = _vector.Hex(r) });

        Assert.That(blinded.GetProperty("blindedMsg").GetString(), Is.EqualTo(_vector.BlindedMsg));
        Assert.That(blinded.GetProperty("inv").GetString(), Is.EqualTo(_vector.Inv));
        AssertOnlyTestOriginRequested();
    }

    [Test]
    public async Task Finalize_WithVectorBlindSignature_GivesVectorSignature()
    {
        var sig = await FinalizeAsync(_vector.BlindSig);
        Assert.That(sig, Is.EqualTo(_vector.Sig));
        AssertOnlyTestOriginRequested();
    }

    [Test]
    public async Task Finalize_RejectsTamperedBlindSignature()
    {
        var tampered = Convert.FromHexString(_vector.BlindSig);
        tampered[100] ^= 0x01;
        var error = await Assert.ThrowsAsync<PlaywrightException>(() => FinalizeAsync(Convert.ToHexStringLower(tampered)));
        Assert.That(error!.Message, Does.Contain("invalid signature"));
    }

    [Test]
    public async Task Finalize_RejectsBlindSignatureOfWrongLength()
    {
        var error = await Assert.ThrowsAsync<PlaywrightException>(() => FinalizeAsync(_vector.BlindSig[2..]));
        Assert.That(error!.Message, Does.Contain("unexpected input size"));
    }

    [Test]
    public async Task RoundTrip_WithRandomPrefixSaltAndR_VerifiesInBrowserAndInDotNet()
    {
        var message = Encoding.UTF8.GetBytes("ballot credential 示例");
        var blinded = await _page.EvaluateAsync<JsonElement>($$"""
            async (a) => {
              {{Prelude}}
              const pk = await rsa.importPublicKey(hex(a.spki));
              const prepared = rsa.prepare(hex(a.msg));
              const again = rsa.prepare(hex(a.msg));
              const first = await rsa.blind(pk, prepared);
              const second = await rsa.blind(pk, prepared);
              return {
                prepared: toHex(prepared), preparedAgain: toHex(again),
                blindedMsg: toHex(first.blindedMsg), inv: toHex(first.inv), blindedAgain: toHex(second.blindedMsg),
              };
            }
            """, new { spki = _spkiHex, msg = Convert.ToHexStringLower(message) });

        var prepared = blinded.GetProperty("prepared").GetString()!;
        Assert.That(prepared, Has.Length.EqualTo(2 * (32 + message.Length)));
        Assert.That(prepared[64..], Is.EqualTo(Convert.ToHexStringLower(message)), "prepared = 32-byte random prefix || msg");
        Assert.That(blinded.GetProperty("preparedAgain").GetString(), Is.Not.EqualTo(prepared), "the prefix is random");
        Assert.That(blinded.GetProperty("blindedAgain").GetString(), Is.Not.EqualTo(blinded.GetProperty("blindedMsg").GetString()),
            "salt and r are fresh on every blind");

        // The server's part, done here until the Core signer exists: blindSig = blindedMsg^d mod n.
        var blindSig = BigInteger.ModPow(_vector.Int(blinded.GetProperty("blindedMsg").GetString()!), _vector.Int(_vector.D), _vector.Modulus);

        var sig = await FinalizeAsync(_vector.Hex(blindSig), prepared, blinded.GetProperty("inv").GetString()!);

        using var key = RSA.Create();
        key.ImportSubjectPublicKeyInfo(Convert.FromHexString(_spkiHex), out _);
        Assert.That(key.VerifyData(Convert.FromHexString(prepared), Convert.FromHexString(sig), HashAlgorithmName.SHA384, RSASignaturePadding.Pss),
            Is.True, ".NET's RSASSA-PSS (salt length = hash length = 48) accepts the browser's signature");
        Assert.That(key.VerifyData(Convert.FromHexString(prepared[64..]), Convert.FromHexString(sig), HashAlgorithmName.SHA384, RSASignaturePadding.Pss),
            Is.False, "the signature covers the prepared message, prefix included");
        AssertOnlyTestOriginRequested();
    }

    private Task<string> FinalizeAsync(string blindSig, string? prepared = null, string? inv = null) =>
        _page.EvaluateAsync<string>($$"""
            async (a) => {
              {{Prelude}}
              const pk = await rsa.importPublicKey(hex(a.spki));
              return toHex(await rsa.finalize(pk, hex(a.prepared), hex(a.blindSig), hex(a.inv)));
            }
            """, new { spki = _spkiHex, prepared = prepared ?? _vector.PreparedMsg, blindSig, inv = inv ?? _vector.Inv });

    private void AssertOnlyTestOriginRequested()
    {
        Assert.That(_foreignRequests, Is.Empty, "the page must reach no origin but its own");
        Assert.That(_requests, Has.All.StartsWith(Origin + "/"));
        Assert.That(_requests, Does.Contain(Origin + "/js/blindrsa.js"), "the script came from the test origin");
    }

    /// <summary>One entry of tests/vectors/rfc9474.json: lowercase hex byte strings, salt_len in bytes.</summary>
    private sealed record Vector(string N, string E, string D, string P, string Q, string PreparedMsg, string Salt,
        string Inv, string BlindedMsg, string BlindSig, string Sig)
    {
        public static async Task<Vector> LoadAsync(string path, string name)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"RFC 9474 vectors not found (tests/vectors/rfc9474.json): {path}");
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            var v = json.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
            string S(string field) => v.GetProperty(field).GetString()!;
            return new(S("n"), S("e"), S("d"), S("p"), S("q"), S("prepared_msg"), S("salt"), S("inv"), S("blinded_msg"), S("blind_sig"), S("sig"));
        }

        public BigInteger Modulus => Int(N);
        public BigInteger Phi => (Int(P) - 1) * (Int(Q) - 1);
        public int ModulusBytes => N.Length / 2;

        public BigInteger Int(string hex) => new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);

        /// <summary>I2OSP to the modulus length, as lowercase hex.</summary>
        public string Hex(BigInteger x)
        {
            var bytes = x.ToByteArray(isUnsigned: true, isBigEndian: true);
            var padded = new byte[ModulusBytes];
            bytes.CopyTo(padded, ModulusBytes - bytes.Length);
            return Convert.ToHexStringLower(padded);
        }
    }
}
