using System.Net;
using System.Text.RegularExpressions;

namespace Evaluation.Tests.Infrastructure;

/// <summary>
/// Drives the staff pages as a browser would. Every POST needs the antiforgery token of the current session
/// (cookie eval.csrf plus the form field), so each post first reads one from a page that has a form.
/// </summary>
public sealed partial class StaffClient(HttpClient http) : IDisposable
{
    public const string TokenField = "__RequestVerificationToken";

    public HttpClient Http => http;

    public Task<HttpResponseMessage> GetAsync(string url) => http.GetAsync(url);

    /// <summary>
    /// Posts a form with a fresh antiforgery token, read from <paramref name="tokenFromPage"/>, or by default from
    /// /login (signed out) or /account/password (signed in: the token is bound to the user, so one from before
    /// sign-in is refused).
    /// </summary>
    public async Task<HttpResponseMessage> PostFormAsync(string url, IEnumerable<KeyValuePair<string, string>> fields, string? tokenFromPage = null)
    {
        var token = await AntiforgeryTokenAsync(tokenFromPage);
        return await http.PostAsync(url, new FormUrlEncodedContent(fields.Append(new(TokenField, token))));
    }

    public async Task LoginAsync(string user, string password)
    {
        using var response = await PostFormAsync("/login", [new("UserName", user), new("Password", password)]);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect),
            $"login as {user} failed: {await BodyAsync(response)}");
    }

    public static Task<string> BodyAsync(HttpResponseMessage response) => response.Content.ReadAsStringAsync();

    /// <summary>The antiforgery token of the form on <paramref name="page"/> (see <see cref="PostFormAsync"/> for the default page).</summary>
    public async Task<string> AntiforgeryTokenAsync(string? page = null)
    {
        using var response = await http.GetAsync(page ?? "/login");
        // /login sends a signed-in user away; every account may open its own password page, which has a form.
        if (page is null && response.StatusCode == HttpStatusCode.Redirect)
            return await AntiforgeryTokenAsync("/account/password");

        var html = await BodyAsync(response);
        var match = TokenInput().Match(html);
        if (!match.Success)
            throw new InvalidOperationException(
                $"No {TokenField} on {page ?? "/login"} ({(int)response.StatusCode}); pass a page with a form as tokenFromPage.");
        return WebUtility.HtmlDecode(match.Groups["value"].Value);
    }

    // ASP.NET writes <input name="__RequestVerificationToken" type="hidden" value="…" />.
    [GeneratedRegex(@"<input[^>]*\bname=""__RequestVerificationToken""[^>]*\bvalue=""(?<value>[^""]*)""")]
    private static partial Regex TokenInput();

    public void Dispose() => http.Dispose();
}
