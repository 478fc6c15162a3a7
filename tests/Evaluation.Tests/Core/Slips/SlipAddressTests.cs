using Evaluation.Core.Slips;

namespace Evaluation.Tests.Core.Slips;

public sealed class SlipAddressTests
{
    [TestCase("http://localhost:5000")]
    [TestCase("https://localhost/")]
    [TestCase("http://127.0.0.1:8080")]
    [TestCase("http://127.3.4.5")]
    [TestCase("https://[::1]:5001")]
    [TestCase("http://pingyi.localhost")]
    [TestCase("http://0.0.0.0:5000")]
    public void LoopbackAddress_IsAProblem_ThatSaysPhonesCannotOpenItAndWhatToSet(string baseUrl)
    {
        var problem = SlipAddress.Problems(baseUrl).Single();

        Assert.That(problem, Does.StartWith($"二维码地址是 {SlipAddress.Printed(baseUrl)}").And.Contain("手机打不开").And.Contain("Site__PublicBaseUrl"));
    }

    [TestCase("http://pingyi.example.cn")]
    [TestCase("http://192.168.1.20:5000/")]
    public void PlainHttp_IsAProblem_ThatSaysItIsUnencryptedAndWhatToSet(string baseUrl)
    {
        var problem = SlipAddress.Problems(baseUrl).Single();

        Assert.That(problem, Does.Contain("不加密").And.Contain("HTTPS").And.Contain("Site__PublicBaseUrl").And.Contain("Proxy__KnownNetworks"));
    }

    [TestCase("https://pingyi.example.cn")]
    [TestCase("https://pingyi.example.cn/")]
    [TestCase("https://10.1.2.3")]
    public void PublicHttps_HasNoProblem(string baseUrl) => Assert.That(SlipAddress.Problems(baseUrl), Is.Empty);

    [TestCase("http://pingyi.example.cn")]
    [TestCase("http://192.168.1.20:5000/")]
    [TestCase("http://0.0.0.0:5000")]
    [TestCase("pingyi.example.cn")]
    [TestCase("ftp://pingyi.example.cn")]
    public void Https_OpeningRefused_WhenSlipsWouldCarryAnythingButHttps_SayingWhatToSet(string baseUrl) =>
        Assert.That(SlipAddress.OpeningRefusal(baseUrl), Does.StartWith("不能开始投票").And.Contain("HTTPS")
            .And.Contain("Site__PublicBaseUrl").And.Contain("DOMAIN").And.Contain("Proxy__KnownNetworks"));

    [TestCase("https://pingyi.example.cn/")]
    [TestCase("https://10.1.2.3:8443")]
    [TestCase("http://localhost:5000")]
    [TestCase("http://127.0.0.1:5123")]
    [TestCase("http://[::1]:5000")]
    [TestCase("https://localhost")]
    public void Https_OpeningAllowed_OverHttps_OrOnThisMachineForDevelopment(string baseUrl) =>
        Assert.That(SlipAddress.OpeningRefusal(baseUrl), Is.Null);

    [TestCase("pingyi.example.cn")]
    [TestCase("ftp://pingyi.example.cn")]
    public void NotAWebAddress_IsAProblem(string baseUrl) => Assert.That(SlipAddress.Problems(baseUrl).Single(), Does.Contain("不是有效的网址"));

    [Test]
    public void PrintedAddress_IsTheBareBaseWithItsSlash_AndTheLinkCarriesTheTokenInTheFragment()
    {
        Assert.That(SlipAddress.Printed("https://pingyi.example.cn"), Is.EqualTo("https://pingyi.example.cn/"));
        Assert.That(SlipAddress.Printed("https://pingyi.example.cn/"), Is.EqualTo("https://pingyi.example.cn/"));
        Assert.That(SlipAddress.Link("https://pingyi.example.cn/", "ABC"), Is.EqualTo("https://pingyi.example.cn/v#ABC"));
    }

    [TestCase(20, 0, 0, ExpectedResult = 20)]
    [TestCase(20, 6, 1, ExpectedResult = 15)]
    [TestCase(20, 25, 2, ExpectedResult = 0)]
    [TestCase(0, 0, 0, ExpectedResult = 0)]
    public int DefaultCount_IsExpectedMinusValidIssued_NeverBelowZero(int expected, int issued, int voided) =>
        SlipBatch.DefaultCount(expected, issued, voided);

    [Test]
    public void BatchUnused_ShowsOnlyWhereItCannotTellWhoseSlipWasUsed()
    {
        Assert.That(SlipBatch.ShownUnused(1, 1, votingOpened: false, categoryCheckInsShown: false, k: 5), Is.EqualTo(1), "nothing is used before voting opens");
        Assert.That(SlipBatch.ShownUnused(3, 10, votingOpened: true, categoryCheckInsShown: true, k: 5), Is.EqualTo(3));
        Assert.That(SlipBatch.ShownUnused(0, 1, votingOpened: true, categoryCheckInsShown: true, k: 5), Is.Null, "a replacement is one person");
        Assert.That(SlipBatch.ShownUnused(3, 10, votingOpened: true, categoryCheckInsShown: false, k: 5), Is.Null,
            "batches add up to the category's hidden check-ins");
    }
}
