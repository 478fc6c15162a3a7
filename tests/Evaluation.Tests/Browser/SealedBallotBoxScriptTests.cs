using System.Security.Cryptography;
using System.Text.Json;
using Evaluation.Core.Crypto;
using Evaluation.Tests.Core.Crypto;
using Evaluation.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The phone's HPKE script (wwwroot/js/hpke.js) in headless Chromium: RFC 9180's vectors, agreement with the C# Hpke on
/// the box's own suite, and a whole sealed ballot made in the browser as docs/sealed-ballot-box.md says (hpke.js for
/// the box, WebCrypto ECDSA P-256 for the answers) that BoxOpener opens and whose answer signature verifies. Served at
/// http://localhost by request interception, as in <see cref="BlindRsaScriptTests"/>.
/// </summary>
public sealed class SealedBallotBoxScriptTests
{
    private const string Origin = "http://localhost";

    private const string Prelude = """
        const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
        const toHex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');
        const b64u = (u) => btoa(String.fromCharCode(...u)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        const hpke = await import('/js/hpke.js');
        const ephemeralFrom = async (skHex, pkHex) => {
          const pk = hex(pkHex);
          const jwk = { kty: 'EC', crv: 'P-256', d: b64u(hex(skHex)), x: b64u(pk.slice(1, 33)), y: b64u(pk.slice(33)) };
          return {
            privateKey: await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']),
            publicKey: await crypto.subtle.importKey('raw', pk, { name: 'ECDH', namedCurve: 'P-256' }, true, []),
          };
        };
        """;

    private static readonly Rfc9180Vector V = Rfc9180Vector.Load();

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private string _script = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private readonly List<string> _foreignRequests = [];

    [OneTimeSetUp]
    public async Task StartBrowser()
    {
        _script = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "src", "Evaluation.Web", "wwwroot", "js", "hpke.js"));
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
        _foreignRequests.Clear();
        _context = await _browser.NewContextAsync();
        await _context.RouteAsync("**/*", Serve);
        _page = await _context.NewPageAsync();
        await _page.GotoAsync(Origin + "/");
    }

    [TearDown]
    public async Task ClosePage()
    {
        await _context.CloseAsync();
        Assert.That(_foreignRequests, Is.Empty, "the page must reach no origin but its own");
    }

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
            "/" => route.FulfillAsync(new() { ContentType = "text/html; charset=utf-8", Body = "<!doctype html><meta charset=utf-8><title>hpke</title>" }),
            "/js/hpke.js" => route.FulfillAsync(new() { ContentType = "text/javascript; charset=utf-8", Body = _script }),
            _ => route.FulfillAsync(new() { Status = 404, Body = "" }),
        });
    }

    [Test]
    public async Task SealWith_Rfc9180VectorEphemeral_GivesEachVectorCiphertext()
    {
        var results = await _page.EvaluateAsync<string[]>($$"""
            async (a) => {
              {{Prelude}}
              const eph = await ephemeralFrom(a.skEm, a.pkEm);
              const out = [];
              for (const e of a.encryptions)
                out.push(toHex(await hpke.sealWith(eph, hex(a.pkRm), hex(a.info), hex(e.aad), hex(e.pt), { seq: e.seq, aead: 1 })));
              return out;
            }
            """, new
        {
            skEm = V.Hex("skEm"), pkEm = V.Hex("pkEm"), pkRm = V.Hex("pkRm"), info = V.Hex("info"),
            encryptions = V.Encryptions.Select(e => new { seq = (int)e.Sequence, aad = Convert.ToHexStringLower(e.Aad), pt = Convert.ToHexStringLower(e.Plaintext) }).ToArray(),
        });

        Assert.That(results, Is.EqualTo(V.Encryptions.Select(e => V.Hex("enc") + Convert.ToHexStringLower(e.Ciphertext))));
    }

    [Test]
    public async Task SealWith_BoxSuite_SameEphemeral_GivesTheBytesOfTheDotNetSeal()
    {
        var x = Rfc9180Vector.Interop();
        var aad = RandomNumberGenerator.GetBytes(64);
        var plaintext = "{\"answers\":\"民主评议\"}"u8.ToArray();
        using var ephemeral = BoxPrivateKey.FromScalar(V.Bytes("skEm"));
        var expected = Hpke.Seal(x.Bytes("pkRm"), x.Bytes("info"), aad, plaintext, ephemeral);

        var sealedInBrowser = await _page.EvaluateAsync<string>($$"""
            async (a) => {
              {{Prelude}}
              const eph = await ephemeralFrom(a.skEm, a.pkEm);
              return toHex(await hpke.sealWith(eph, hex(a.pkR), hex(a.info), hex(a.aad), hex(a.pt)));
            }
            """, new { skEm = V.Hex("skEm"), pkEm = V.Hex("pkEm"), pkR = x.Hex("pkRm"), info = x.Hex("info"), aad = Convert.ToHexStringLower(aad), pt = Convert.ToHexStringLower(plaintext) });

        Assert.That(sealedInBrowser, Is.EqualTo(Convert.ToHexStringLower(expected)));
    }

    [Test]
    public async Task Seal_FreshEphemeral_OpensInDotNet_AndTwoSealsDiffer()
    {
        using var box = BoxPrivateKey.Generate();
        var info = SealedBallot.Info(Guid.NewGuid(), Guid.NewGuid());

        var sealedBoxes = await _page.EvaluateAsync<string[]>($$"""
            async (a) => {
              {{Prelude}}
              const one = await hpke.seal(hex(a.pk), hex(a.info), hex('aa'), new TextEncoder().encode('选票'));
              const two = await hpke.seal(hex(a.pk), hex(a.info), hex('aa'), new TextEncoder().encode('选票'));
              return [toHex(one), toHex(two)];
            }
            """, new { pk = Convert.ToHexStringLower(box.PublicKey), info = Convert.ToHexStringLower(info) });

        Assert.That(sealedBoxes[0], Is.Not.EqualTo(sealedBoxes[1]));
        foreach (var s in sealedBoxes)
        {
            Assert.That(Hpke.TryOpen(box, info, [0xaa], Convert.FromHexString(s), out var plaintext), Is.True);
            Assert.That(System.Text.Encoding.UTF8.GetString(plaintext), Is.EqualTo("选票"));
        }
    }

    [Test]
    public async Task Seal_ToAPointNotOnTheCurve_Throws()
    {
        var notAPoint = BoxPrivateKey.Generate().PublicKey;
        notAPoint[64] ^= 1;

        var outcome = await _page.EvaluateAsync<string>($$"""
            async (a) => {
              {{Prelude}}
              try {
                await hpke.seal(hex(a.pk), new Uint8Array(0), new Uint8Array(0), new Uint8Array(1));
                return 'sealed';
              } catch (e) {
                return 'refused: ' + e.name;
              }
            }
            """, new { pk = Convert.ToHexStringLower(notAPoint) });

        Assert.That(outcome, Does.StartWith("refused"));
    }

    [Test]
    public async Task BallotSealedInTheBrowser_AsTheProtocolSays_IsOpenedByBoxOpener_AndItsAnswerSignatureVerifies()
    {
        var evaluation = Guid.NewGuid();
        var group = Guid.NewGuid();
        var ballotKey = BlindRsaPrivateKey.Generate();
        using var box = BoxPrivateKey.Generate();

        // Step 2 and 4 on the phone: a phone key, M = prefix ‖ H("ballot-key:" ‖ pk), the answers A signed as τ.
        var phone = await _page.EvaluateAsync<JsonElement>($$"""
            async (a) => {
              {{Prelude}}
              const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
              const pk = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
              const te = new TextEncoder();
              const h = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([...te.encode('ballot-key:'), ...pk])));
              const message = new Uint8Array([...crypto.getRandomValues(new Uint8Array(32)), ...h]);
              const answers = JSON.stringify({ targets: [{ id: 't1', overall: '优秀', comment: '作风扎实 👍' }] });
              const signed = te.encode(`minzhu-pingyi/ballot/2\n${a.evaluationId}\n${a.keyGroupId}\n${answers}`);
              const tau = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, signed));
              window.phone = { pk, message, answers, tau };
              return { pk: toHex(pk), message: toHex(message), answers, tau: toHex(tau) };
            }
            """, new { evaluationId = evaluation.ToString("D"), keyGroupId = group.ToString("D") });

        // Step 3, the server's part: the ballot credential σM, blind-signed and finalised.
        var message = Convert.FromHexString(phone.GetProperty("message").GetString()!);
        var blinded = BlindRsa.Blind(ballotKey.PublicKey, message);
        var sigma = BlindRsa.Finalize(ballotKey.PublicKey, message, BlindRsa.BlindSign(ballotKey, blinded.BlindedMessage), blinded.Inverse);
        var door = RandomNumberGenerator.GetBytes(64);

        // Step 5 on the phone: P as JSON with base64 byte strings, sealed to the box key with info and aad = D.
        var sealedHex = await _page.EvaluateAsync<string>($$"""
            async (a) => {
              {{Prelude}}
              const b64 = (u) => btoa(String.fromCharCode(...u));
              const p = window.phone;
              const plaintext = new TextEncoder().encode(JSON.stringify({
                message: b64(p.message), signature: b64(hex(a.sigma)), phoneKey: b64(p.pk), answers: p.answers, answerSignature: b64(p.tau),
              }));
              const info = new TextEncoder().encode(`minzhu-pingyi/box/2\n${a.evaluationId}\n${a.keyGroupId}`);
              return toHex(await hpke.seal(hex(a.boxKey), info, hex(a.door), plaintext));
            }
            """, new
        {
            sigma = Convert.ToHexStringLower(sigma), evaluationId = evaluation.ToString("D"), keyGroupId = group.ToString("D"),
            boxKey = Convert.ToHexStringLower(box.PublicKey), door = Convert.ToHexStringLower(door),
        });

        var outcome = BoxOpener.Open(box, evaluation, new Dictionary<Guid, BlindRsaPublicKey> { [group] = ballotKey.PublicKey },
            [new BoxOpener.SealedRow(door, group, Convert.FromHexString(sealedHex))]);

        Assert.That(outcome.Rejected, Is.Empty);
        var opened = outcome.Opened.Single();
        var answers = phone.GetProperty("answers").GetString()!;
        Assert.That(opened.KeyGroupId, Is.EqualTo(group));
        Assert.That(opened.Answers, Is.EqualTo(answers));
        Assert.That(opened.Answers, Does.Contain("作风扎实 👍"));
        Assert.That(opened.Message, Is.EqualTo(message));
        Assert.That(opened.Signature, Is.EqualTo(sigma));
        Assert.That(Convert.ToHexStringLower(opened.PhoneKey), Is.EqualTo(phone.GetProperty("pk").GetString()));
        Assert.That(SealedBallot.VerifyAnswers(evaluation, group, opened.PhoneKey, opened.Answers, opened.AnswerSignature), Is.True);
        Assert.That(SealedBallot.BindsPhoneKey(opened.Message, opened.PhoneKey), Is.True);

        var moved = BoxOpener.Open(box, evaluation, new Dictionary<Guid, BlindRsaPublicKey> { [group] = ballotKey.PublicKey },
            [new BoxOpener.SealedRow(RandomNumberGenerator.GetBytes(64), group, Convert.FromHexString(sealedHex))]);
        Assert.That(moved.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.Undecryptable] = 1 }), "under another door message");
    }
}
