using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Core;
using Evaluation.Core.Audit;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Tests.Core.Audit;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;
using Evaluation.Verifier;

namespace Evaluation.Tests.Features.Audit;

/// <summary>
/// A meeting voted end to end over HTTP (check-in, blind signature, submit), closed, then audited: the 审计 downloads the
/// bundle, the 督导组 the Excel report, and the verifier holds them against each other. Every tampering must fail with
/// the check that names it.
/// </summary>
public sealed class AuditBundleTests : OrganizerSession
{
    private SeededEvaluation _evaluation = null!;
    private byte[] _bundleFile = null!;
    private byte[] _report = null!;

    [OneTimeSetUp]
    public async Task VoteCloseAndDownload()
    {
        _evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 15);
        Guid retired = Guid.NewGuid(), clients = Guid.NewGuid();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into respondent_category (id, evaluation_id, name, expected_count, position)
                values (@retired, @Id, '离退休老党员', 8, 2), (@clients, @Id, '服务对象代表', 3, 3)
                """, new { retired, clients, _evaluation.Id });
        using (var open = await PostAsync($"{_evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

        // 12 staff (one blank), 6 retired and 2 clients vote; three slips stay unused. Clients are fewer than k = 5.
        string[] grades = ["好", "好", "较好", "一般", "差"];
        var voted = 0;
        foreach (var (category, issued, voters) in new[] { (_evaluation.CategoryId, 14, 12), (retired, 6, 6), (clients, 3, 2) })
        {
            var tokens = await IssueSlipsAsync(_evaluation, issued, category);
            foreach (var token in tokens.Take(voters))
            {
                using var phone = new VotingClient(World.App.CreateClient());
                var credential = await phone.CheckInAsync(token);
                var answers = voted == 0 ? new { } : _evaluation.CompleteAnswers(grades[voted % grades.Length], voted % 3 == 0 ? "称职" : "优秀");
                using var submitted = await phone.SubmitAsync(credential, answers);
                Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await submitted.Content.ReadAsStringAsync());
                voted++;
            }
        }
        using (var close = await PostAsync($"{_evaluation.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));

        using var auditor = await World.SignInAsync("auditor-a");
        using (var bundle = await auditor.GetAsync($"{_evaluation.Url}/audit-bundle"))
        {
            Assert.That(bundle.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(bundle));
            _bundleFile = await bundle.Content.ReadAsByteArrayAsync();
        }
        using var supervisor = await World.SignInAsync("supervisor-a");
        using var report = await supervisor.GetAsync($"{_evaluation.Url}/results.xlsx");
        Assert.That(report.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        _report = await report.Content.ReadAsByteArrayAsync();
    }

    private AuditBundle Bundle()
    {
        Assert.That(AuditBundle.TryRead(new MemoryStream(_bundleFile), out var bundle, out var error), Is.True, error);
        return bundle!;
    }

    private static Check CheckNamed(Verification verification, string name) => verification.Checks.Single(c => c.Name == name);

    private static void AssertFailsOnly(AuditBundle tampered, params string[] failing)
    {
        var verification = BundleVerifier.Verify(tampered);
        Assert.That(verification.Passed, Is.False);
        Assert.That(verification.Checks.Where(c => !c.Passed).Select(c => c.Name), Is.SupersetOf(failing), string.Join("\n", verification.Checks));
    }

    private AuditBundle WithBallots(Func<BundleGroup, IReadOnlyList<BundleBallot>, IReadOnlyList<BundleBallot>> change)
    {
        var bundle = Bundle();
        return bundle with { Groups = bundle.Groups.Select(g => g with { Ballots = change(g, g.Ballots) }).ToList() };
    }

    [Test]
    public void Honest_bundle_passes_every_check_and_agrees_with_the_published_excel_report()
    {
        var verification = BundleVerifier.Verify(Bundle());

        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));
        Assert.That(verification.Checks.Select(c => c.Name), Is.EqualTo(new[] { "格式", "问卷", "计票规则", "投票凭证", "答卷签名", "投票箱", "一票一签", "票数", "指纹", "计票", "操作日志", "日志记录", "日志顺序" }));
        Assert.That(CheckNamed(verification, "投票凭证").Detail, Does.Contain("全部 20 张"));
        Assert.That(CheckNamed(verification, "票数").Detail, Does.Contain("收回 20 ≤ 签到 20 ≤ 有效票签 23"));
        var excel = ExcelReportCheck.Compare(verification.Recomputed!, new MemoryStream(_report));
        Assert.That(excel.Passed, Is.True, excel.Detail);
        Assert.That(excel.Detail, Does.Match(@"报告中的 \d+ 个数字"));
    }

    [Test]
    public async Task Closing_rewrites_slips_and_receipts_in_one_transaction_and_opening_writes_every_ballot_in_one_so_voting_order_leaves_no_trace()
    {
        var closing = await World.ScalarAsync<long>(
            """
            select count(distinct x) from (
                select xmin::text as x from slip where evaluation_id = @Id
                union all select xmin::text from ballot_receipt where evaluation_id = @Id) rows
            """, new { _evaluation.Id });
        var opening = await World.ScalarAsync<long>("select count(distinct xmin::text) from ballot where evaluation_id = @Id", new { _evaluation.Id });
        var receipts = await World.ScalarAsync<long>("select count(*) from ballot_receipt where evaluation_id = @Id", new { _evaluation.Id });

        Assert.That(closing, Is.EqualTo(1), "twenty ballots came in as many batches; after close slips and receipts share the closing transaction");
        Assert.That(opening, Is.EqualTo(1), "the opened ballots are written in one transaction at 开箱");
        Assert.That(receipts, Is.EqualTo(20), "every receipt still checks after the rewrite");
    }

    [Test]
    public void Bundle_lists_the_key_groups_the_small_categories_share_with_one_door_and_one_ballot_key_each()
    {
        var groups = Bundle().Groups;

        Assert.That(groups.Select(g => (g.Name, g.Ballots.Count, g.Categories.Count, g.DoorKey is not null && g.BallotKey is not null && g.DoorKey != g.BallotKey)),
            Is.EqualTo(new[]
            {
                ("机关工作人员", 12, 1, true),
                ("离退休老党员、服务对象代表", 8, 2, true),
            }));
        Assert.That(Bundle().Format, Is.EqualTo(AuditBundle.CurrentFormat));
        Assert.That(groups.SelectMany(g => g.Ballots).Select(b => b.Message), Is.Unique);
        Assert.That(groups.All(g => g.Ballots.Select(b => b.Message).SequenceEqual(g.Ballots.Select(b => b.Message).Order(StringComparer.Ordinal))), Is.True,
            "ballots are sorted by message, so storage order cannot show through");
    }

    [Test]
    public void Bundle_carries_the_fingerprint_the_reports_print_and_its_own_export_in_the_log()
    {
        var bundle = Bundle();
        using var workbook = new XLWorkbook(new MemoryStream(_report));
        var printed = workbook.Worksheet("汇总").CellsUsed().Single(c => c.GetString() == "选票指纹").CellRight().GetString();

        Assert.That(printed.Replace(" ", ""), Is.EqualTo(bundle.Fingerprint));
        Assert.That(bundle.ActionLog[^1].Action, Is.EqualTo(BundleVerifier.ExportAction), "the export is logged before the log is read");
        Assert.That(bundle.ActionLog.Count(e => e.Action == BundleVerifier.ExportAction), Is.EqualTo(1));
        Assert.That(bundle.ActionLog.Single(e => e.Action == BundleVerifier.ExportAction).Detail, Does.Contain(bundle.Fingerprint));
    }

    [Test]
    public void Bundle_holds_public_keys_only_and_no_slip_or_receipt()
    {
        var text = System.Text.Encoding.UTF8.GetString(_bundleFile);

        Assert.That(text, Does.Not.Contain("private").IgnoreCase);
        Assert.That(text, Does.Not.Contain("receipt").IgnoreCase);
        Assert.That(text, Does.Not.Contain("token").IgnoreCase);
    }

    [Test]
    public void Dropped_ballot_fails_the_fingerprint_the_recount_and_the_opening_entry()
    {
        var tampered = WithBallots((g, ballots) => g.Ballots.Count == 12 ? ballots.Skip(1).ToList() : ballots);

        AssertFailsOnly(tampered, "指纹", "计票", "日志记录");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "计票").Detail, Does.Contain("投票情况 · 收回：包内为 20，重算为 19"));
    }

    [Test]
    public void Added_forged_ballot_fails_the_credential_check()
    {
        var last = Bundle().Groups[0].Ballots[^1];
        var forged = last with
        {
            Message = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray()),
            Signature = new string('a', 512),
        };
        var tampered = WithBallots((g, ballots) => g.Ballots.Count == 12 ? [.. ballots, forged] : ballots);

        AssertFailsOnly(tampered, "投票凭证", "指纹", "计票", "日志记录");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "投票凭证").Detail, Does.StartWith("1 处无效"));
    }

    [Test]
    public void Ballot_moved_to_another_key_group_fails_its_credential_and_answer_signature()
    {
        var bundle = Bundle();
        var moved = bundle.Groups[1].Ballots[0];
        var tampered = bundle with
        {
            Groups = [bundle.Groups[0] with { Ballots = [.. bundle.Groups[0].Ballots, moved] }, bundle.Groups[1] with { Ballots = bundle.Groups[1].Ballots.Skip(1).ToList() }],
        };

        AssertFailsOnly(tampered, "投票凭证", "答卷签名");
    }

    [Test]
    public void Altered_answer_fails_the_answer_signature_and_the_fingerprint()
    {
        // The first ballot of the big group takes the answers of the first one that answered differently.
        var tampered = WithBallots((g, ballots) => g.Ballots.Count == 12
            ? [ballots[0] with { Answers = ballots.First(b => b.Answers != ballots[0].Answers).Answers }, .. ballots.Skip(1)]
            : ballots);

        AssertFailsOnly(tampered, "答卷签名", "指纹");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "投票凭证").Passed, Is.True, "the credential covers the phone key, the phone's signature the answers");
    }

    [Test]
    public void Duplicated_ballot_fails_one_ballot_per_credential()
    {
        var tampered = WithBallots((g, ballots) => g.Ballots.Count == 12 ? [.. ballots, ballots[3]] : ballots);

        AssertFailsOnly(tampered, "一票一签", "指纹", "计票");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "一票一签").Detail, Does.Contain("出现 2 次"));
    }

    [Test]
    public void Check_ins_fewer_than_ballots_fail_the_count_check()
    {
        var bundle = Bundle();
        var tampered = bundle with { Groups = [bundle.Groups[0] with { CheckedIn = 10 }, bundle.Groups[1]] };

        AssertFailsOnly(tampered, "票数", "计票");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "票数").Detail, Does.Contain("“机关工作人员”收回 12 票，多于签到 10 人"));
    }

    [Test]
    public void More_check_ins_than_valid_slips_fail_the_count_check()
    {
        var bundle = Bundle();
        var tampered = bundle with { Groups = [bundle.Groups[0] with { SlipsVoided = 5 }, bundle.Groups[1]] };

        AssertFailsOnly(tampered, "票数");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "票数").Detail, Does.Contain("多于有效票签 9 张"));
    }

    [Test]
    public void Changed_published_number_fails_the_recount()
    {
        var bundle = Bundle();
        var tally = bundle.Tally.Select(f => f.Label == "领导班子 · 对领导班子作风方面情况的总体评价 · 好（票）" ? f with { Value = "99" } : f).ToList();

        AssertFailsOnly(bundle with { Tally = tally }, "计票");
        Assert.That(CheckNamed(BundleVerifier.Verify(bundle with { Tally = tally }), "计票").Detail, Does.Contain("好（票）：包内为 99，重算为"));
    }

    [Test]
    public void Edited_log_entry_breaks_the_chain_at_that_entry()
    {
        var bundle = Bundle();
        var log = bundle.ActionLog.ToList();
        var edited = log.FindIndex(e => e.Action == "发放票签");
        log[edited] = log[edited] with { Detail = log[edited].Detail.Replace("14 张", "20 张") };

        AssertFailsOnly(bundle with { ActionLog = log }, "操作日志");
        Assert.That(CheckNamed(BundleVerifier.Verify(bundle with { ActionLog = log }), "操作日志").Detail, Does.Contain($"第 {log[edited].Seq} 条断开"));
    }

    [Test]
    public void Deleted_log_entry_breaks_the_chain()
    {
        var bundle = Bundle();
        var log = bundle.ActionLog.Where(e => e.Action != "结束投票").ToList();

        AssertFailsOnly(bundle with { ActionLog = log }, "操作日志", "日志记录");
    }

    [Test]
    public void Edited_questionnaire_fails_the_form_hash()
    {
        var bundle = Bundle();

        AssertFailsOnly(bundle with { FrozenForm = bundle.FrozenForm.Replace("作风", "工作") }, "问卷");
    }

    [Test]
    public void Changed_number_in_the_excel_report_fails_the_report_check_naming_the_cell()
    {
        var tampered = EditReport(ws => ws.Name == "汇总", cell => cell.GetString() == "张三", cell => cell.CellRight(2));

        var check = ExcelReportCheck.Compare(BundleVerifier.Verify(Bundle()).Recomputed!, new MemoryStream(tampered));
        Assert.That(check.Passed, Is.False);
        Assert.That(check.Detail, Does.Contain("汇总表 张三 · 优秀（票）：报告为 100"));
    }

    [Test]
    public void Changed_rate_on_a_target_sheet_fails_the_report_check()
    {
        var tampered = EditReport(ws => ws.Cell(1, 1).GetString().StartsWith("评议对象：领导班子"), cell => cell.GetString() == "好评率", cell => cell.CellRight());

        var check = ExcelReportCheck.Compare(BundleVerifier.Verify(Bundle()).Recomputed!, new MemoryStream(tampered));
        Assert.That(check.Passed, Is.False);
        Assert.That(check.Detail, Does.Contain("领导班子 · 对领导班子作风方面情况的总体评价 · 好评率：报告为 100"));
    }

    [Test]
    public void Number_added_to_the_excel_report_fails_as_unplaced()
    {
        var tampered = EditReport(ws => ws.Name == "汇总", cell => cell.GetString() == "选票指纹", cell => cell.CellRight(5));

        var check = ExcelReportCheck.Compare(BundleVerifier.Verify(Bundle()).Recomputed!, new MemoryStream(tampered));
        Assert.That(check.Passed, Is.False);
        Assert.That(check.Detail, Does.Contain("无从核对"));
    }

    /// <summary>The report with one cell set to 100: the cell found by <paramref name="anchor"/> on the first matching sheet, moved by <paramref name="move"/>.</summary>
    private byte[] EditReport(Func<IXLWorksheet, bool> sheet, Func<IXLCell, bool> anchor, Func<IXLCell, IXLCell> move)
    {
        using var workbook = new XLWorkbook(new MemoryStream(_report));
        var ws = workbook.Worksheets.First(sheet);
        move(ws.CellsUsed().First(anchor)).SetValue(100);
        var edited = new MemoryStream();
        workbook.SaveAs(edited);
        return edited.ToArray();
    }

    private static void AssertFailsExactly(AuditBundle tampered, params string[] failing)
    {
        var verification = BundleVerifier.Verify(tampered);
        Assert.That(verification.Checks.Where(c => !c.Passed).Select(c => c.Name), Is.EquivalentTo(failing), string.Join("\n", verification.Checks));
    }

    [TestCase(3)]
    [TestCase(0)]
    [TestCase(-1)]
    public void Bundle_stating_a_small_cell_below_the_minimum_fails_the_counting_rules_though_every_number_recounts(int k)
    {
        var bundle = Bundle();
        var tampered = bundle with { Settings = bundle.Settings with { SmallCell = k } };

        // The log's close entry locked k = 5, so the rewritten rules also disagree with it.
        AssertFailsExactly(tampered, "计票规则", "日志记录");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "计票规则").Detail, Does.Contain($"最小公布单元不能小于 {TallySettings.MinimumSmallCell} 票"));
    }

    [Test]
    public void Bundle_counted_by_other_rules_than_those_locked_at_close_fails_the_log_records()
    {
        var bundle = Bundle();
        var changed = bundle.Settings with { UnknownInDenominator = !bundle.Settings.UnknownInDenominator };

        AssertFailsOnly(bundle with { Settings = changed }, "日志记录");
        Assert.That(CheckNamed(BundleVerifier.Verify(bundle with { Settings = changed }), "日志记录").Detail, Does.Contain("与结束投票时锁定的不同"));
    }

    [Test]
    public void Bundle_stating_a_small_cell_above_the_maximum_fails_the_counting_rules()
    {
        var bundle = Bundle();

        AssertFailsOnly(bundle with { Settings = bundle.Settings with { SmallCell = TallySettings.MaximumSmallCell + 1 } }, "计票规则");
    }

    [Test]
    public void Bundle_stating_impossible_coefficients_or_weights_fails_the_counting_rules()
    {
        var bundle = Bundle();
        var groups = bundle.Groups.Select(g => g.Id).ToList();
        (TallySettings Settings, string Reason)[] impossible =
        [
            (bundle.Settings with { Coefficients = new Dictionary<string, IReadOnlyList<decimal>> { [Scale.Quality.Id] = [1.5m, 0.8m, 0.6m, 0m] } }, "0 到 1"),
            (bundle.Settings with { Coefficients = new Dictionary<string, IReadOnlyList<decimal>> { ["no-such-scale"] = [1m] } }, "未知的评价等级"),
            (bundle.Settings with { CategoryWeights = new Dictionary<Guid, decimal> { [groups[0]] = 0m } }, "须大于 0"),
            (bundle.Settings with { CategoryWeights = new Dictionary<Guid, decimal> { [groups[0]] = -2m } }, "须大于 0"),
            (bundle.Settings with { CategoryWeights = new Dictionary<Guid, decimal> { [Guid.NewGuid()] = 1m } }, "没有的评议人员类别"),
            // The merged group (two categories) may weigh up to twice the limit, not more.
            (bundle.Settings with { CategoryWeights = new Dictionary<Guid, decimal> { [groups[1]] = 2 * TallySettings.MaximumWeight + 1 } }, "不超过"),
        ];
        foreach (var (settings, reason) in impossible)
        {
            var check = CheckNamed(BundleVerifier.Verify(bundle with { Settings = settings }), "计票规则");
            Assert.That(check.Passed, Is.False, reason);
            Assert.That(check.Detail, Does.Contain(reason));
        }
        var heaviest = bundle.Settings with { CategoryWeights = new Dictionary<Guid, decimal> { [groups[1]] = 2 * TallySettings.MaximumWeight } };
        Assert.That(CheckNamed(BundleVerifier.Verify(bundle with { Settings = heaviest }), "计票规则").Passed, Is.True);
    }

    /// <summary>The log rewritten by someone who recomputes the chain after the change, so the chain check alone cannot tell.</summary>
    private AuditBundle WithLogRewritten(Func<List<ActionLogEntry>, IEnumerable<ActionLogEntry>> rewrite)
    {
        var bundle = Bundle();
        return bundle with { ActionLog = TestLog.Rechain(rewrite(bundle.ActionLog.ToList())) };
    }

    [Test]
    public void Closing_timed_before_opening_fails_the_log_order_though_the_chain_was_recomputed()
    {
        var tampered = WithLogRewritten(log =>
        {
            var opened = log.Single(e => e.Action == BundleVerifier.OpenAction);
            return log.Select(e => e.Action == BundleVerifier.CloseAction ? e with { At = opened.At.AddMinutes(-5) } : e);
        });

        AssertFailsExactly(tampered, "日志顺序");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "日志顺序").Detail, Does.Contain("（结束投票）记于").And.Contain("早于它前面的"));
    }

    [Test]
    public void Closing_moved_before_opening_fails_the_log_order_though_times_and_chain_are_consistent()
    {
        var tampered = WithLogRewritten(log =>
        {
            var open = log.FindIndex(e => e.Action == BundleVerifier.OpenAction);
            var close = log.FindIndex(e => e.Action == BundleVerifier.CloseAction);
            var moved = log[close] with { At = log[open].At };
            log.RemoveAt(close);
            log.Insert(open, moved);
            return log;
        });

        AssertFailsExactly(tampered, "日志顺序");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "日志顺序").Detail, Does.Match(@"结束投票（第 \d+ 条）在开始投票（第 \d+ 条）之前"));
    }

    [Test]
    public void Export_moved_before_closing_fails_the_log_order()
    {
        var tampered = WithLogRewritten(log =>
        {
            var close = log.FindIndex(e => e.Action == BundleVerifier.CloseAction);
            var export = log[^1] with { At = log[close].At };
            return [.. log.Take(close), export, .. log.Skip(close).SkipLast(1)];
        });

        AssertFailsExactly(tampered, "日志顺序");
        Assert.That(CheckNamed(BundleVerifier.Verify(tampered), "日志顺序").Detail, Does.Contain("投票结束前不能导出"));
    }

    [Test]
    public void Rewritten_log_with_its_chain_recomputed_passes_alone_but_fails_the_anchor_noted_at_the_meeting()
    {
        var honest = Bundle();
        var closed = honest.ActionLog.Single(e => e.Action == BundleVerifier.CloseAction);
        var tampered = WithLogRewritten(log => log.Select(e => e.Action == "发放票签" ? e with { Detail = e.Detail.Replace("14 张", "20 张") } : e));

        Assert.That(BundleVerifier.Verify(tampered).Passed, Is.True, "nothing inside the bundle can tell");
        var anchored = BundleVerifier.Verify(tampered, [closed.Hash]);
        Assert.That(anchored.Checks.Where(c => !c.Passed).Select(c => c.Name), Is.EqualTo(new[] { "锚点" }));
        Assert.That(CheckNamed(anchored, "锚点").Detail, Does.Contain($"没有哈希为 {BallotSet.Grouped(closed.Hash)} 的记录"));

        var verification = BundleVerifier.Verify(honest, [BallotSet.Grouped(closed.Hash).ToUpperInvariant()]);
        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));
        Assert.That(CheckNamed(verification, "锚点").Detail, Does.Contain($"是第 {closed.Seq} 条（结束投票"));
    }

    [Test]
    public async Task Evaluation_page_shows_the_opening_and_closing_log_entries_and_the_verifier_holds_the_bundle_to_them()
    {
        using var auditor = await World.SignInAsync("auditor-a");
        using var page = await auditor.GetAsync(_evaluation.Url);
        var body = await StaffClient.BodyAsync(page);
        var log = Bundle().ActionLog;
        var shown = new Dictionary<string, (long Seq, string Hash)>();
        foreach (var (id, action) in new[] { ("log-opened", BundleVerifier.OpenAction), ("log-closed", BundleVerifier.CloseAction) })
        {
            var m = Regex.Match(body, $"""id="{id}">第 <span class="seq">(\d+)</span> 条，哈希 <span class="hash grouped">([0-9a-f ]+)</span>""");
            Assert.That(m.Success, Is.True, $"{id} on the page");
            var entry = log.Single(e => e.Action == action && e.Detail.Contains(_evaluation.Id.ToString()));
            Assert.That((long.Parse(m.Groups[1].Value), m.Groups[2].Value.Replace(" ", "")), Is.EqualTo((entry.Seq, entry.Hash)));
            shown[action] = (entry.Seq, m.Groups[2].Value);
        }

        var dir = Directory.CreateTempSubdirectory("anchor-");
        var bundlePath = Path.Combine(dir.FullName, "bundle.json");
        await File.WriteAllBytesAsync(bundlePath, _bundleFile);
        var (opened, closed) = (shown[BundleVerifier.OpenAction], shown[BundleVerifier.CloseAction]);
        // As copied: once quoted with its spaces, once typed unquoted in its eight groups.
        var (exit, output) = await RunVerifierAsync([bundlePath, "--anchor", opened.Hash, "--anchor", .. closed.Hash.Split(' ')]);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain($"[通过] 锚点：{opened.Hash} 是第 {opened.Seq} 条（开始投票").And.Contain($"{closed.Hash} 是第 {closed.Seq} 条（结束投票"));

        var tampered = WithLogRewritten(l => l.Select(e => e.Action == "发放票签" ? e with { Detail = e.Detail.Replace("14 张", "20 张") } : e));
        await using (var file = File.Create(bundlePath)) tampered.WriteTo(file);
        (exit, output) = await RunVerifierAsync(bundlePath, "--anchor", closed.Hash);
        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("[失败] 锚点"));

        (exit, output) = await RunVerifierAsync(bundlePath, "--anchor", "1234");
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--anchor 后面需要操作日志中某一条记录的哈希"));
        dir.Delete(recursive: true);
    }

    [Test]
    public async Task Verifier_command_prints_a_line_per_check_and_exits_zero_only_when_all_pass()
    {
        var dir = Directory.CreateTempSubdirectory("audit-");
        var bundlePath = Path.Combine(dir.FullName, "bundle.json");
        var reportPath = Path.Combine(dir.FullName, "report.xlsx");
        await File.WriteAllBytesAsync(bundlePath, _bundleFile);
        await File.WriteAllBytesAsync(reportPath, _report);

        var (honestExit, honest) = await RunVerifierAsync(bundlePath, "--report", reportPath);
        Assert.That(honestExit, Is.Zero, honest);
        Assert.That(honest, Does.Contain("[通过] 投票凭证：全部 20 张选票"));
        Assert.That(honest, Does.Contain("[通过] Excel 报告"));
        Assert.That(honest.TrimEnd(), Does.EndWith("全部 14 项核对通过。"));

        var tampered = WithBallots((g, ballots) => g.Ballots.Count == 12 ? ballots.Skip(1).ToList() : ballots);
        await using (var file = File.Create(bundlePath)) tampered.WriteTo(file);
        var (tamperedExit, output) = await RunVerifierAsync(bundlePath, "--report", reportPath);
        Assert.That(tamperedExit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("[失败] 指纹"));
        Assert.That(output, Does.Contain("[失败] Excel 报告"));
        TestContext.Out.WriteLine(honest + "\n" + output);

        var (unreadableExit, _) = await RunVerifierAsync(reportPath);
        Assert.That(unreadableExit, Is.EqualTo(2), "an Excel file is not a bundle");
        dir.Delete(recursive: true);
    }

    private static async Task<(int Exit, string Output)> RunVerifierAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "evaluation-verify.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }

    [Test]
    public async Task Only_the_units_auditor_gets_a_bundle_and_only_after_close()
    {
        using var organizer = await World.SignInAsync("organizer-a");
        using var supervisor = await World.SignInAsync("supervisor-a");
        using var otherAuditor = await World.SignInAsync("auditor-b");
        using var auditor = await World.SignInAsync("auditor-a");
        var draft = await World.SeedDraftAsync(World.UnitA);

        using (var r = await organizer.GetAsync($"{_evaluation.Url}/audit-bundle")) Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using (var r = await supervisor.GetAsync($"{_evaluation.Url}/audit-bundle")) Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using (var r = await otherAuditor.GetAsync($"{_evaluation.Url}/audit-bundle")) Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var r = await auditor.GetAsync($"{draft.Url}/audit-bundle")) Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var page = await auditor.GetAsync(_evaluation.Url))
            Assert.That(await StaffClient.BodyAsync(page), Does.Contain($"{_evaluation.Url}/audit-bundle"));
    }
}
