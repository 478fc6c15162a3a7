using Evaluation.Core.Tallies;
using Evaluation.Core;
using Evaluation.Core.Audit;

namespace Evaluation.Tests.Core.Audit;

/// <summary>
/// The verifier and the evaluation page find an evaluation's opening and closing in a log shared by every unit. An
/// organiser elsewhere chooses their own evaluation's name freely, so a name quoting this evaluation must not pass for it.
/// </summary>
public sealed class BundleLogTests
{
    private static readonly Guid Id = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();
    private static readonly string FormHash = new('a', 64);
    private static readonly byte[] Key = [1, 2, 3];

    [Test]
    public void Entries_of_another_evaluation_whose_name_quotes_this_one_are_not_taken_for_its_own()
    {
        var quoting = $"测评》，编号 {Id}，问卷哈希 {new string('b', 64)}，签名公钥 {BundleVerifier.KeyHash(Key)}";
        var log = TestLog.Chain(
            (BundleVerifier.CreateAction, $"甲单位《测评》（动员大会后），模板：空白，编号 {Id}"),
            (BundleVerifier.OpenAction, BundleVerifier.OpenDetail("测评", Id, FormHash, [Key])),
            (BundleVerifier.OpenAction, BundleVerifier.OpenDetail(quoting, Other, FormHash, [Key])),
            (BundleVerifier.CloseAction, BundleVerifier.CloseDetail($"测评》，编号 {Id}", Other, TallySettings.Default.Describe(_ => ""))),
            (BundleVerifier.EditAction, $"《测评》改为《测评》（x），编号 {Other}"),
            (BundleVerifier.CloseAction, BundleVerifier.CloseDetail("测评", Id, TallySettings.Default.Describe(_ => ""))));

        var entries = BundleVerifier.EntriesOf(log, "测评", Id);

        Assert.That(entries.Opened.Select(o => (o.Entry.Seq, o.FormHash)), Is.EqualTo(new[] { (2L, FormHash) }));
        Assert.That(entries.Closed.Select(e => e.Seq), Is.EqualTo(new[] { 6L }));
        Assert.That(entries.Drafting.Select(e => e.Seq), Is.EqualTo(new[] { 1L }));
    }

    [TestCase("1A2B3C4D 5E6F7A8B 9C0D1E2F 3A4B5C6D 7E8F9A0B 1C2D3E4F 5A6B7C8D 9E0F1A2B")]
    [TestCase("1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b")]
    [TestCase(" 1a2b3c4d\t5e6f7a8b 9c0d1e2f 3a4b5c6d 7e8f9a0b 1c2d3e4f 5a6b7c8d 9e0f1a2b\n")]
    public void Anchor_is_read_as_printed_grouped_or_not(string copied) =>
        Assert.That(BundleVerifier.ReadAnchor(copied), Is.EqualTo("1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b"));

    [TestCase("")]
    [TestCase("1a2b3c4d")]
    [TestCase("第 12 条")]
    [TestCase("1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2bff")]
    [TestCase("1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2g")]
    public void Anything_but_a_whole_hash_is_no_anchor(string copied) => Assert.That(BundleVerifier.ReadAnchor(copied), Is.Null);
}
