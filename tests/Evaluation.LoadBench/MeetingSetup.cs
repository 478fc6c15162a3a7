using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Evaluation.LoadBench;

public sealed record SlipBatch(Guid CategoryId, string CategoryName, IReadOnlyList<string> Tokens);

public sealed record PreparedEvaluation(Guid Id, string Name, IReadOnlyList<SlipBatch> Categories)
{
    public int SlipCount => Categories.Sum(c => c.Tokens.Count);
}

/// <summary>
/// Sets a meeting up through the staff pages, as people would: the 管理员 creates a unit and its 组织者; the 组织者
/// creates an evaluation from the mobilisation template, adds the 班子 and nine members (one transferred out) and two
/// respondent categories with headcounts, prints the slips (the HTML sheet; its links carry the codes) and opens voting.
/// </summary>
public static partial class MeetingSetup
{
    /// <summary>
    /// Slips per request: the sheet draws a QR code per slip, which is most of the set-up's time for 10,000 phones; batches
    /// of this size keep each page a few MB and let <see cref="IssuesAtOnce"/> requests draw on all cores at once.
    /// </summary>
    private const int SlipsPerIssue = 1000;

    /// <summary>Sheets printed at once: one per core, as several organisers could at their own desks.</summary>
    private static int IssuesAtOnce => Environment.ProcessorCount;

    private static readonly (string Name, string Title, int MonthsSinceTransfer)[] Members =
    [
        ("王建国", "局长", 0), ("李红梅", "党委副书记", 0), ("张志强", "副局长", 0), ("刘洋", "副局长", 0), ("陈晓红", "纪检组长", 0),
        ("杨帆", "副局长", 0), ("赵敏", "总会计师", 0), ("黄海", "工会主席", 0), ("周立", "原副局长", 8),
    ];

    /// <summary>The seed documents' two largest groups at a 动员大会: staff of the bureau, and representatives of those it serves.</summary>
    private static readonly (string Name, double Share)[] Categories = [("机关工作人员", 0.7), ("服务对象代表", 0.3)];

    /// <returns>The meeting's evaluation, the saturation bursts' and the complete votes' (each with its own fresh slips).</returns>
    public static async Task<IReadOnlyList<PreparedEvaluation>> PrepareAsync(
        BenchTarget target, IReadOnlyList<(string Label, int Slips)> evaluations, TextWriter log, CancellationToken ct)
    {
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var unitName = $"压测单位-{suffix}";
        var organizer = $"loadbench-{suffix}";
        var organizerPassword = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

        log.WriteLine($"管理员创建单位“{unitName}”和组织者账号 {organizer}……");
        Guid unitId;
        using (var admin = await StaffSession.SignInAsync(target.Url, target.AdminUser, target.AdminPassword, ct))
        {
            await admin.PostExpectingRedirectAsync("/admin/units", ct, ("name", unitName));
            var unit = UnitOption().Matches(await admin.GetStringAsync("/admin/accounts/new", ct))
                .FirstOrDefault(m => WebUtility.HtmlDecode(m.Groups["name"].Value).Trim() == unitName)
                ?? throw new BenchEnvironmentException($"新建账号页上找不到单位“{unitName}”。");
            unitId = Guid.Parse(unit.Groups["id"].Value);
            using var created = await admin.PostAsync("/admin/accounts/new", ct,
                ("UserName", organizer), ("DisplayName", "压测组织者"), ("Role", "organizer"), ("Units", unitId.ToString()),
                ("Password", organizerPassword));
            if (created.StatusCode != HttpStatusCode.OK)
                throw new BenchEnvironmentException($"创建组织者账号失败（{(int)created.StatusCode}）：{StaffSession.Errors(await created.Content.ReadAsStringAsync(ct))}");
        }

        using var session = await StaffSession.SignInAsync(target.Url, organizer, organizerPassword, ct);
        // A password the 管理员 set must be changed at first sign-in before any other page opens.
        var ownPassword = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        await session.PostExpectingRedirectAsync("/account/password", ct, ("Current", organizerPassword), ("New", ownPassword), ("Confirm", ownPassword));
        log.WriteLine($"组织者建立 {evaluations.Count} 次评议（各 {Members.Length + 1} 个评议对象、{Categories.Length} 类人员），" +
                      $"发放 {string.Join(" + ", evaluations.Select(e => e.Slips))} 张票签……");
        var drafts = new List<Draft>();
        foreach (var (label, slips) in evaluations) drafts.Add(await CreateAsync(session, unitId, label, slips, ct));

        var batches = drafts.SelectMany(d => d.Categories.SelectMany(c =>
            Enumerable.Range(0, (c.Count + SlipsPerIssue - 1) / SlipsPerIssue)
                .Select(b => (Draft: d, Category: c, Count: Math.Min(SlipsPerIssue, c.Count - b * SlipsPerIssue))))).ToList();
        var tokens = drafts.SelectMany(d => d.Categories).ToDictionary(c => c.Id, _ => new List<string>());
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = IssuesAtOnce, CancellationToken = ct }, async (batch, token) =>
        {
            var issued = await IssueAsync(session, batch.Draft.Url, batch.Category.Id, batch.Count, token);
            lock (tokens) tokens[batch.Category.Id].AddRange(issued);
        });

        // Opening makes each key group's signing keys: the evaluations open side by side.
        await Task.WhenAll(drafts.Select(d => session.PostExpectingRedirectAsync($"{d.Url}/open", ct)));
        return drafts.Select(d => new PreparedEvaluation(d.Id, d.Name,
            d.Categories.Select(c => new SlipBatch(c.Id, c.Name, tokens[c.Id])).ToList())).ToList();
    }

    private sealed record DraftCategory(Guid Id, string Name, int Count);

    private sealed record Draft(Guid Id, string Name, string Url, IReadOnlyList<DraftCategory> Categories);

    /// <summary>An evaluation with its targets and categories, before any slip.</summary>
    private static async Task<Draft> CreateAsync(StaffSession session, Guid unitId, string label, int slips, CancellationToken ct)
    {
        var name = $"{DateTime.Today:yyyy}年局领导班子民主评议（压测·{label}）";
        var location = await session.PostExpectingRedirectAsync("/evaluations/new", ct,
            ("UnitId", unitId.ToString()), ("Name", name), ("Round", "动员大会后民主评议"), ("Template", "mobilisation"),
            ("PresetCategories", "false"));
        var id = Guid.Parse(location.TrimEnd('/').Split('/')[^1]);
        var url = $"/evaluations/{id}";

        await session.PostExpectingRedirectAsync($"{url}/targets", ct, ("Kind", "team"), ("Name", "局领导班子"));
        foreach (var (member, title, months) in Members)
            await session.PostExpectingRedirectAsync($"{url}/targets", ct,
                ("Kind", "member"), ("Name", member), ("Title", title),
                ("TransferredOutOn", months == 0 ? "" : DateTime.Today.AddMonths(-months).ToString("yyyy-MM-dd")));

        var counts = Split(slips);
        for (var i = 0; i < Categories.Length; i++)
            await session.PostExpectingRedirectAsync($"{url}/categories", ct,
                ("Name", Categories[i].Name), ("ExpectedCount", counts[i].ToString()));

        var options = CategoryOption().Matches(await session.GetStringAsync(url, ct))
            .Select(m => (Id: Guid.Parse(m.Groups["id"].Value), Name: WebUtility.HtmlDecode(m.Groups["name"].Value).Trim()))
            .ToList();
        var categories = new List<DraftCategory>();
        for (var i = 0; i < Categories.Length; i++)
        {
            var category = options.FirstOrDefault(o => o.Name == Categories[i].Name);
            if (category.Id == Guid.Empty)
                throw new BenchEnvironmentException($"评议页上找不到类别“{Categories[i].Name}”。");
            categories.Add(new DraftCategory(category.Id, category.Name, counts[i]));
        }
        return new Draft(id, name, url, categories);
    }

    /// <summary>Slips of each category in proportion to its share, every category with at least one when there are enough.</summary>
    private static int[] Split(int slips)
    {
        var counts = Categories.Select(c => (int)Math.Floor(c.Share * slips)).ToArray();
        counts[0] += slips - counts.Sum();
        for (var i = 1; i < counts.Length && counts[0] > 1; i++)
            if (counts[i] == 0) (counts[i], counts[0]) = (1, counts[0] - 1);
        return counts;
    }

    private static async Task<List<string>> IssueAsync(StaffSession session, string url, Guid categoryId, int count, CancellationToken ct)
    {
        using var response = await session.PostAsync($"{url}/slips", ct, ("CategoryId", categoryId.ToString()), ("Count", count.ToString()), ("Format", "html"));
        var html = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new BenchEnvironmentException($"发放票签失败（{(int)response.StatusCode}）：{StaffSession.Errors(html)}");
        var tokens = SlipLink().Matches(html).Select(m => m.Groups[1].Value).ToList();
        return tokens.Count == count ? tokens
            : throw new BenchEnvironmentException($"票签页上读到 {tokens.Count} 个代码，应为 {count} 个。");
    }

    [GeneratedRegex(@"<input type=""checkbox"" name=""Units"" value=""(?<id>[0-9a-f-]{36})""[^>]*>(?<name>[^<]*)</label>")]
    private static partial Regex UnitOption();

    // Each category's issuing form: its id in a hidden field, its name opening the count's label.
    [GeneratedRegex(@"<input type=""hidden"" name=""CategoryId"" value=""(?<id>[0-9a-f-]{36})"">\s*<label for=""slip-count-[0-9a-f-]{36}"">(?<name>[^<]*)<span")]
    private static partial Regex CategoryOption();

    // The printed link is https://host/v#TOKEN: the token after '#', never sent to a server by a browser.
    [GeneratedRegex(@"/v#([A-Z0-9]{20})<")]
    private static partial Regex SlipLink();
}
