using System.Net;
using System.Text.RegularExpressions;

namespace Evaluation.LoadBench;

/// <summary>
/// A member of staff at the service's pages, as a browser: a cookie session and the antiforgery token every form
/// carries. The token is bound to the signed-in user, so it is read once after sign-in and reused for the session.
/// </summary>
public sealed partial class StaffSession : IDisposable
{
    private const string TokenField = "__RequestVerificationToken";

    private readonly HttpClient _http;
    private string _token = "";

    private StaffSession(Uri baseUrl)
    {
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    public static async Task<StaffSession> SignInAsync(Uri baseUrl, string user, string password, CancellationToken ct)
    {
        var session = new StaffSession(baseUrl);
        try
        {
            session._token = await session.TokenFromAsync("/login", ct);
            using var login = await session.PostAsync("/login", ct, ("UserName", user), ("Password", password));
            if (login.StatusCode != HttpStatusCode.Redirect)
                throw new BenchEnvironmentException($"以 {user} 登录失败（{(int)login.StatusCode}）：请检查账号和密码。");
            // Every signed-in account may open its own password page, which has a form.
            session._token = await session.TokenFromAsync("/account/password", ct);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public async Task<string> GetStringAsync(string url, CancellationToken ct)
    {
        using var response = await _http.GetAsync(url, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return response.StatusCode == HttpStatusCode.OK ? body
            : throw new BenchEnvironmentException($"GET {url} 得到 {(int)response.StatusCode}。");
    }

    public Task<HttpResponseMessage> PostAsync(string url, CancellationToken ct, params (string Name, string Value)[] fields) =>
        _http.PostAsync(url, new FormUrlEncodedContent(
            fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Append(new(TokenField, _token))), ct);

    /// <summary>Posts a form that answers with a redirect when it worked; returns where it points.</summary>
    public async Task<string> PostExpectingRedirectAsync(string url, CancellationToken ct, params (string Name, string Value)[] fields)
    {
        using var response = await PostAsync(url, ct, fields);
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new BenchEnvironmentException($"POST {url} 得到 {(int)response.StatusCode}，而不是跳转：{Errors(await response.Content.ReadAsStringAsync(ct))}");
        return response.Headers.Location!.OriginalString;
    }

    private async Task<string> TokenFromAsync(string page, CancellationToken ct)
    {
        var match = TokenInput().Match(await GetStringAsync(page, ct));
        return match.Success ? WebUtility.HtmlDecode(match.Groups["value"].Value)
            : throw new BenchEnvironmentException($"{page} 上没有表单令牌（{TokenField}）。");
    }

    /// <summary>The error list a page shows, for a message: never the whole page.</summary>
    public static string Errors(string html)
    {
        var items = ErrorItem().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value.Trim())).ToList();
        return items.Count == 0 ? "（页面没有列出原因）" : string.Join("；", items);
    }

    // ASP.NET writes <input name="__RequestVerificationToken" type="hidden" value="…" />.
    [GeneratedRegex(@"<input[^>]*\bname=""__RequestVerificationToken""[^>]*\bvalue=""(?<value>[^""]*)""")]
    private static partial Regex TokenInput();

    [GeneratedRegex(@"<li>([^<]{1,300})</li>")]
    private static partial Regex ErrorItem();

    public void Dispose() => _http.Dispose();
}
