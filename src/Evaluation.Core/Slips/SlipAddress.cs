using System.Net;

namespace Evaluation.Core.Slips;

/// <summary>
/// The address a slip carries: its QR code opens <c>{base}/v#TOKEN</c> (the token in the fragment, which never reaches a
/// server), and the bare base address is printed for typing the code in. Checked before issuing, because a slip printed
/// with a wrong address is only found out at the meeting, on the attendees' phones.
/// </summary>
public static class SlipAddress
{
    // Without it the app cannot tell that the proxy took HTTPS, and sees http even where phones see https.
    private const string BehindAProxy = "服务在反向代理之后时，还要把代理所在网段填入 Proxy__KnownNetworks。";

    public static string Link(string baseUrl, string token) => $"{Trimmed(baseUrl)}/v#{token}";

    /// <summary>What an attendee types into the browser: the base address with its slash, e.g. https://pingyi.example.cn/.</summary>
    public static string Printed(string baseUrl) => Trimmed(baseUrl) + "/";

    /// <summary>
    /// Why attendees' phones would fail with slips carrying this address, each with what to do; empty when none.
    /// A warning, not a refusal: a rehearsal on the organiser's own computer is served from localhost on purpose.
    /// </summary>
    public static IReadOnlyList<string> Problems(string baseUrl)
    {
        var shown = Printed(baseUrl);
        if (!Uri.TryCreate(Trimmed(baseUrl), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return [$"二维码地址是 {shown}，不是有效的网址，与会人员的手机打不开。请让管理员把 Site__PublicBaseUrl 设为 https:// 开头的对外地址。"];
        var problems = new List<string>();
        if (IsLoopback(uri))
            problems.Add($"二维码地址是 {shown}，这是本机地址，与会人员的手机打不开。请让管理员把 Site__PublicBaseUrl 设为与会人员手机能访问的 HTTPS 地址"
                + "（如 https://pingyi.example.gov.cn），重启服务后再发放；只在本机演练时可以忽略。");
        else if (uri.Scheme == "http")
            problems.Add($"二维码地址是 {shown}，不加密：会场 Wi-Fi 上的人可能截获票签代码，而且手机浏览器只在 HTTPS 下提供投票所需的加密功能，与会人员无法投票。"
                + "请让管理员启用 HTTPS，并把 Site__PublicBaseUrl 设为 https:// 开头的地址；" + BehindAProxy);
        return problems;
    }

    /// <summary>
    /// Why voting may not open while slips carry this address, or null. A refusal, unlike <see cref="Problems"/>: a phone's
    /// browser gives the page WebCrypto only in a secure context, so over plain http nobody can vote, and the slip codes
    /// would cross the venue's Wi-Fi in the clear. Allowed without TLS is only what browsers themselves count as secure
    /// (W3C Secure Contexts: localhost, 127.0.0.0/8, ::1), so development and a rehearsal on one's own computer still work;
    /// 0.0.0.0 is not among them.
    /// </summary>
    public static string? OpeningRefusal(string baseUrl)
    {
        if (Uri.TryCreate(Trimmed(baseUrl), UriKind.Absolute, out var uri) && (uri.Scheme == "https" || uri.Scheme == "http" && IsSecureWithoutTls(uri)))
            return null;
        return $"不能开始投票：票签二维码地址是 {Printed(baseUrl)}，不是 HTTPS 地址。手机浏览器只在 HTTPS 下提供投票所需的加密功能，"
            + "会场 Wi-Fi 上的人还可能截获票签代码。请让管理员启用 HTTPS，把 Site__PublicBaseUrl 设为 https:// 开头的对外地址"
            + "（用 docker compose 部署时，在 .env 中设置 DOMAIN 即可），重启服务后再开始投票；" + BehindAProxy
            + "只有在本机开发时（localhost、127.0.0.1、::1）可以不用 HTTPS。";
    }

    private static string Trimmed(string baseUrl) => baseUrl.Trim().TrimEnd('/');

    private static bool IsSecureWithoutTls(Uri uri)
    {
        var host = uri.IdnHost.Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return true;
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    // Phones cannot open the machine's own address either, nor an address that only says "every interface".
    private static bool IsLoopback(Uri uri) =>
        IsSecureWithoutTls(uri) || IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any));
}
