using Evaluation.Core.Text;

namespace Evaluation.Tests.Core.Text;

public class UserTextTests
{
    private const string Family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
    private const string Flag = "\U0001F1E8\U0001F1F3";
    private const string EnglandFlag = "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F";

    [TestCase("很好👍", 3)]
    [TestCase("𠮷", 1)]
    [TestCase(Family, 1)]
    [TestCase(Flag, 1)]
    [TestCase("👍🏽", 1)]
    [TestCase("e\u0301", 1)]
    public void Length_counts_characters_as_a_person_sees_them(string text, int expected) =>
        Assert.That(UserText.Length(text), Is.EqualTo(expected));

    [Test]
    public void Truncate_never_splits_a_surrogate_pair_or_an_emoji_sequence()
    {
        Assert.That(UserText.Truncate("𠮷𠮷𠮷", 2), Is.EqualTo("𠮷𠮷"));
        Assert.That(UserText.Truncate(Family + Family, 1), Is.EqualTo(Family));
        Assert.That(UserText.Truncate("短", 5), Is.EqualTo("短"));
    }

    [TestCase("\u202E")]
    [TestCase("\u2066")]
    [TestCase("\u2069")]
    [TestCase("\u200F")]
    [TestCase("\u200B")]
    [TestCase("\u00AD")]
    [TestCase("\uFEFF")]
    [TestCase("\n")]
    public void HasHiddenCharacters_finds_controls_and_direction_or_invisible_format_characters(string hidden) =>
        Assert.That(UserText.HasHiddenCharacters($"张{hidden}三"), Is.True);

    [TestCase(Family)]
    [TestCase(EnglandFlag)]
    [TestCase("❤️")]
    [TestCase("𠮷野家")]
    public void HasHiddenCharacters_lets_emoji_sequences_and_extension_b_through(string text) =>
        Assert.That(UserText.HasHiddenCharacters(text), Is.False);

    [Test]
    public void Isolate_wraps_the_text_so_an_override_inside_ends_with_it()
    {
        Assert.That(UserText.Isolate("\u202E反转"), Is.EqualTo("\u2068\u202E反转\u2069"));
    }

    [Test]
    public void Isolate_drops_a_stray_closer_that_would_end_the_isolate_early()
    {
        Assert.That(UserText.Isolate("a\u2069\u202Eb"), Is.EqualTo("\u2068a\u202Eb\u2069"));
    }

    [Test]
    public void Isolate_closes_an_isolate_the_text_opened_so_it_cannot_take_the_wrappers_closer()
    {
        Assert.That(UserText.Isolate("\u2067abc"), Is.EqualTo("\u2068\u2067abc\u2069\u2069"));
        Assert.That(UserText.Balanced("\u2066a\u2069\u2069b"), Is.EqualTo("\u2066a\u2069b"));
    }

    [Test]
    public void Balanced_keeps_text_without_isolates_as_it_is()
    {
        const string text = "很好👍\u202E";
        Assert.That(UserText.Balanced(text), Is.SameAs(text));
    }
}
