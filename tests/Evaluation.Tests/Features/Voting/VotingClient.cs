using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;

namespace Evaluation.Tests.Features.Voting;

/// <summary>A phone, in C#: the same two requests the page makes, with the same RFC 9474 client steps.</summary>
public sealed class VotingClient(HttpClient http) : IDisposable
{
    /// <param name="Secret">What the message was made from and the receipt is derived from; null sends a ballot without it.</param>
    public sealed record Credential(Guid EvaluationId, Guid CategoryId, byte[] Message, byte[] Signature, byte[]? Secret, JsonElement Form)
    {
        /// <summary>The receipt the server should answer with, as the phone shows it.</summary>
        public string ExpectedReceipt => Receipt.Grouped(Receipt.FromSecret(Secret!));
    }

    public HttpClient Http => http;

    public async Task<Credential> CheckInAsync(string token)
    {
        using var describe = await http.PostAsJsonAsync("/api/v/slip", new { token });
        Assert.That(describe.StatusCode, Is.EqualTo(HttpStatusCode.OK), await describe.Content.ReadAsStringAsync());
        var slip = JsonDocument.Parse(await describe.Content.ReadAsStringAsync()).RootElement.Clone();
        var key = BlindRsaPublicKey.ImportSpki(Convert.FromBase64String(slip.GetProperty("publicKey").GetString()!));
        var secret = Receipt.NewSecret();
        var message = BlindRsa.Prepare(Receipt.MessageFor(secret));
        var blinding = BlindRsa.Blind(key, message);
        using var checkIn = await http.PostAsJsonAsync("/api/v/checkin", new { token, blindedMessage = Convert.ToBase64String(blinding.BlindedMessage) });
        Assert.That(checkIn.StatusCode, Is.EqualTo(HttpStatusCode.OK), await checkIn.Content.ReadAsStringAsync());
        var blindSignature = Convert.FromBase64String(JsonDocument.Parse(await checkIn.Content.ReadAsStringAsync()).RootElement.GetProperty("blindSignature").GetString()!);
        return new Credential(slip.GetProperty("evaluation").GetProperty("id").GetGuid(), slip.GetProperty("category").GetProperty("id").GetGuid(),
            message, BlindRsa.Finalize(key, message, blindSignature, blinding.Inverse), secret, slip.GetProperty("form"));
    }

    public Task<HttpResponseMessage> SubmitAsync(Credential credential, object answers) =>
        http.PostAsJsonAsync("/api/v/ballot", new
        {
            evaluationId = credential.EvaluationId, categoryId = credential.CategoryId,
            message = Convert.ToBase64String(credential.Message), signature = Convert.ToBase64String(credential.Signature),
            secret = credential.Secret is null ? null : Convert.ToBase64String(credential.Secret), answers,
        });

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public void Dispose() => http.Dispose();
}
