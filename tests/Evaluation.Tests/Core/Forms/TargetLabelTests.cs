using Evaluation.Core.Forms;
using Evaluation.Core.Text;

namespace Evaluation.Tests.Core.Forms;

public sealed class TargetLabelTests
{
    [TestCase("张三", null, "张三")]
    [TestCase("张三", "", "张三")]
    [TestCase("张三", "  ", "张三")]
    [TestCase("张三", "副局长", "张三（副局长）")]
    [TestCase("张三", "副局长（分管医政）", "张三（副局长，分管医政）")]
    [TestCase("张三", "副局长(分管医政)", "张三（副局长，分管医政）")]
    [TestCase("张三", "副局长（分管医政、科教）", "张三（副局长，分管医政、科教）")]
    [TestCase("张三", "副局长（分管医政）、党委委员", "张三（副局长，分管医政，党委委员）")]
    [TestCase("张三", "（原）副局长", "张三（原，副局长）")]
    [TestCase("张三", "副局长（（分管医政））", "张三（副局长，分管医政）")]
    [TestCase("张三", "（）", "张三")]
    public void Of_NeverNestsBrackets(string name, string? post, string expected) =>
        Assert.That(TargetLabel.Of(name, post), Is.EqualTo(expected));

    [Test]
    public void Of_AnyPost_HasExactlyOnePairOfBracketsAtTheEnd()
    {
        foreach (var post in new[] { "a(b(c)d)e", "（（", "））副局长（", "副局长)(分管", "(x)(y)(z)" })
        {
            var label = TargetLabel.Of("李四", post);
            Assert.That(label.Count(c => c is '（' or '(' ), Is.LessThanOrEqualTo(1), label);
            Assert.That(label.Count(c => c is '）' or ')'), Is.LessThanOrEqualTo(1), label);
            if (label.Contains('（')) Assert.That(label, Does.EndWith("）"), label);
        }
    }

    [Test]
    public void Of_WithIsolate_IsolatesNameAndPostButNotTheBrackets()
    {
        var label = TargetLabel.Of("张三", "副局长（分管医政）", UserText.Isolate);

        Assert.That(label, Is.EqualTo(UserText.Isolate("张三") + "（" + UserText.Isolate("副局长，分管医政") + "）"));
    }

    [Test]
    public void Of_Target_UsesItsNameAndPost() =>
        Assert.That(TargetLabel.Of(new Target { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "王五", Title = "局长（主持工作）" }),
            Is.EqualTo("王五（局长，主持工作）"));
}
