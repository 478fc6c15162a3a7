using Evaluation.Core.Forms;
using Evaluation.Core.Imports;

namespace Evaluation.Tests.Core.Imports;

public class SetupImportTests
{
    private static readonly DateOnly Today = new(2026, 12, 5);

    private static ImportPlan Paste(string text, IReadOnlyList<Target>? targets = null, IReadOnlyList<(string, int)>? categories = null) =>
        SetupImport.Plan([PastedTable.Read(text)], targets ?? [], categories ?? [], Today);

    private static string Rows(ImportPlan plan) =>
        string.Join(" | ", plan.Rows.Select(r => $"{r.Kind}:{r.Name}:{r.Title}:{r.TransferredOutOn:yyyy-MM-dd}:{r.ExpectedCount}"));

    [Test]
    public void TabSeparatedTable_AsCopiedFromExcel_ReadsTargetsWithTheTeamByItsName()
    {
        var plan = Paste("姓名\t职务\t调出日期\r\n某某局领导班子\t\t\r\n张三\t党委书记、局长\t\r\n李四\t副局长\t2026-03-01\r\n");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(plan.CanWrite, Is.True);
        Assert.That(Rows(plan), Is.EqualTo("Team:某某局领导班子::: | Member:张三:党委书记、局长:: | Member:李四:副局长:2026-03-01:"));
    }

    [Test]
    public void HeaderInAnyOrder_MapsEachColumnByItsName()
    {
        var plan = Paste("应到\t序号\t类别\n45\t1\t机关工作人员\n12\t2\t离退休老党员");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(Rows(plan), Is.EqualTo("Category:机关工作人员:::45 | Category:离退休老党员:::12"));
    }

    [Test]
    public void CommaSeparated_AsciiOrFullWidth_AndQuotedCellsKeepTheirCommas()
    {
        var plan = Paste("职务,姓名\n\"副局长,分管医政\",王五\n局长，赵六");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(Rows(plan), Is.EqualTo("Member:王五:副局长,分管医政:: | Member:赵六:局长::"));
    }

    [Test]
    public void TwoOrMoreSpaces_SeparateCells_ButOnePaddingSpaceInANameStays()
    {
        var plan = Paste("姓名    职务\n王　芳    副局长\n张三丰  纪检组长");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(Rows(plan), Is.EqualTo("Member:王　芳:副局长:: | Member:张三丰:纪检组长::"));
    }

    [Test]
    public void TwoBlocksSeparatedByBlankLines_EachWithItsHeader_AndStrayBlankLinesAreSkipped()
    {
        var plan = Paste("\n\n姓名\t职务\n张三\t局长\n\n李四\t副局长\n\n\n类别\t应到\n机关工作人员\t45\n\n");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(Rows(plan), Is.EqualTo("Member:张三:局长:: | Member:李四:副局长:: | Category:机关工作人员:::45"));
    }

    [Test]
    public void OneTableWithATypeColumn_HoldsBoth_AndABlankTypeRepeatsTheOneAbove_AsAMergedCell()
    {
        var plan = Paste(
            "类型\t名称\t职务\t应到\n领导班子\t局领导班子\t\t\n班子成员\t张三\t局长\t\n\t李四\t副局长\t\n评议人员类别\t机关工作人员\t\t45\n\t服务对象代表\t\t8");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(Rows(plan), Is.EqualTo(
            "Team:局领导班子::: | Member:张三:局长:: | Member:李四:副局长:: | Category:机关工作人员:::45 | Category:服务对象代表:::8"));
    }

    [Test]
    public void ABlankTypeUnderTheTeam_IsAMember_NotASecondTeam()
    {
        var plan = Paste("类型\t名称\t职务\n领导班子\t局领导班子\t\n\t张三\t局长");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(Rows(plan), Is.EqualTo("Team:局领导班子::: | Member:张三:局长::"));
    }

    [TestCase("２０", 20)]
    [TestCase("45人", 45)]
    [TestCase("1,200", 1200)]
    [TestCase(" 7 ", 7)]
    public void ExpectedCount_AcceptsFullWidthDigitsAndTheWaysPeopleWriteIt(string typed, int expected)
    {
        var plan = Paste($"类别\t应到\n机关工作人员\t{typed}");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(plan.Rows.Single().ExpectedCount, Is.EqualTo(expected));
    }

    [TestCase("四十五", "第 2 行：应到“四十五”不是整数。应到人数请填写 0 到 1000000 之间的整数。")]
    [TestCase("45.5", "第 2 行：应到“45.5”不是整数。应到人数请填写 0 到 1000000 之间的整数。")]
    [TestCase("-3", "第 2 行：应到人数请填写 0 到 1000000 之间的整数。")]
    [TestCase("2000000", "第 2 行：应到人数请填写 0 到 1000000 之间的整数。")]
    [TestCase("", "第 2 行：请填写应到人数。")]
    public void ExpectedCount_ThatIsNoHeadcount_IsAProblemNamingItsRow(string typed, string problem)
    {
        var plan = Paste($"类别\t应到\n机关工作人员\t{typed}");

        Assert.That(plan.AllProblems, Is.EqualTo(new[] { problem }));
        Assert.That(plan.CanWrite, Is.False);
    }

    [Test]
    public void ByteOrderMark_BeforeTheHeader_IsNoPartOfIt()
    {
        var plan = Paste("\uFEFF类别,应到\n机关工作人员,45");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(plan.Rows.Single().Name, Is.EqualTo("机关工作人员"));
    }

    [TestCase("张\u200B三")]
    [TestCase("\u202E三张")]
    [TestCase("张三\u0007")]
    public void HiddenCharacters_InAName_AreAProblemNamingItsRow(string name)
    {
        var plan = Paste($"姓名\t职务\n李四\t副局长\n{name}\t局长");

        Assert.That(plan.AllProblems.Single(), Does.StartWith("第 3 行：名称或姓名中有看不见的控制字符"));
    }

    [Test]
    public void NameLongerThanTheFormAllows_IsAProblem_CountedAsAPersonSeesIt()
    {
        var fifty = new string('张', 50);
        var plan = Paste($"姓名\n{fifty}\n{fifty}𠮷");

        Assert.That(plan.AllProblems, Is.EqualTo(new[] { "第 3 行：请填写评议对象名称或姓名（不超过 50 个字）。" }));
    }

    [Test]
    public void Duplicates_WithinTheImport_NameTheFirstRow()
    {
        var plan = Paste("姓名\t职务\n张三\t局长\n李四\t副局长\n张三\t局长\n\n类别\t应到\n机关工作人员\t45\n机关工作人员\t40");

        Assert.That(plan.AllProblems, Is.EqualTo(new[]
        {
            "第 4 行：与第 2 行重复。",
            "第 8 行：类别“机关工作人员”与第 7 行重复。",
        }));
    }

    [Test]
    public void Duplicates_AgainstTheEvaluation_AreProblems_ButAnExistingCategoryGetsTheImportedHeadcount()
    {
        Target[] targets =
        [
            new() { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "局领导班子" },
            new() { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "张三", Title = "局长" },
        ];
        var plan = Paste("姓名\t职务\n某局领导班子\t\n张三\t局长\n张三\t副局长\n\n类别\t应到\n机关工作人员\t45\n离退休老党员\t12",
            targets, [("机关工作人员", 0)]);

        Assert.That(plan.AllProblems, Is.EqualTo(new[]
        {
            "第 2 行：已经有一个领导班子，每次评议只评一个班子。",
            "第 3 行：已经有评议对象“张三”（局长），请勿重复添加。",
        }));
        var existing = plan.Rows.Single(r => r.Name == "机关工作人员");
        Assert.That(existing.UpdatesExisting, Is.True);
        Assert.That(existing.Note, Is.EqualTo("已有此类别，应到 0 人改为 45 人"));
        Assert.That(plan.Rows.Single(r => r.Name == "离退休老党员").UpdatesExisting, Is.False);
    }

    [Test]
    public void TwoTeamsInOneImport_TheSecondIsAProblem()
    {
        var plan = Paste("类型\t名称\n领导班子\t局领导班子\n领导班子\t院领导班子");

        Assert.That(plan.AllProblems, Is.EqualTo(new[] { "第 3 行：已经有一个领导班子，每次评议只评一个班子。（第 2 行已是领导班子）" }));
    }

    [Test]
    public void TransferDates_InTheFormsOrganisersWrite_AndNotInTheFuture()
    {
        var plan = Paste("姓名\t调离时间\n甲\t2026年3月1日\n乙\t2026.3\n丙\t２０２６／０２／１５\n丁\t2027-01-01\n戊\t去年三月");

        Assert.That(plan.Rows.Take(3).Select(r => r.TransferredOutOn),
            Is.EqualTo(new DateOnly?[] { new(2026, 3, 1), new(2026, 3, 1), new(2026, 2, 15) }));
        Assert.That(plan.AllProblems, Is.EqualTo(new[]
        {
            "第 5 行：调出日期不能晚于今天。",
            "第 6 行：调出日期“去年三月”无法识别，请写成 2025-03-01 或 2025年3月1日。",
        }));
    }

    [Test]
    public void UnknownType_AndAHeadcountOnATarget_AreProblemsThatSayWhatToWrite()
    {
        var plan = Paste("类型\t名称\t职务\t应到\n干部\t张三\t局长\t\n班子成员\t李四\t副局长\t30");

        Assert.That(plan.AllProblems, Is.EqualTo(new[]
        {
            "第 2 行：类型“干部”无法识别，请填写“领导班子”“班子成员”或“评议人员类别”。",
            "第 3 行：评议对象不填应到人数；如果这是评议人员类别，请把类型填为“评议人员类别”。",
        }));
    }

    [Test]
    public void NoHeader_IsOneProblemThatSaysHowToWriteIt_AndNothingIsRead()
    {
        var plan = Paste("张三\t局长\n李四\t副局长");

        Assert.That(plan.Rows, Is.Empty);
        Assert.That(plan.AllProblems, Is.EqualTo(new[] { $"第 1 行：没有找到表头。{SetupImport.HeaderHelp}" }));
        Assert.That(plan.CanWrite, Is.False);
    }

    [Test]
    public void TitleLineAboveTheHeader_AndUnknownColumns_ArePassedOverWithANote()
    {
        var plan = Paste("某某局领导班子成员名单\n序号\t姓名\t职务\t出生年月\n1\t张三\t局长\t1970.01");

        Assert.That(plan.AllProblems, Is.Empty);
        Assert.That(Rows(plan), Is.EqualTo("Member:张三:局长::"));
        Assert.That(plan.Notes, Is.EqualTo(new[]
        {
            "第 2 行：不认识的列“出生年月”，未导入。",
            "第 1 行在表头之前（标题等），未导入。",
        }));
    }

    [Test]
    public void Sheets_NamedForWhatTheyHold_AndRowsNamedWithTheirSheet()
    {
        SourceSheet targets = new("评议对象", [new(1, ["姓名", "职务"]), new(2, ["张三", "局长"])]);
        SourceSheet categories = new("参评人员", [new(1, ["名称", "人数"]), new(2, ["机关工作人员", "四十"])]);
        SourceSheet notes = new("说明", [new(1, ["本表由组织部提供"])]);

        var plan = SetupImport.Plan([targets, categories, notes], [], [], Today);

        Assert.That(Rows(plan), Is.EqualTo("Member:张三:局长:: | Category:机关工作人员:::"));
        Assert.That(plan.AllProblems, Is.EqualTo(new[] { "“参评人员”表第 2 行：应到“四十”不是整数。应到人数请填写 0 到 1000000 之间的整数。" }));
        Assert.That(plan.Notes, Does.Contain("“说明”表没有表头（姓名、职务或类别、应到等），未导入。"));
    }

    [Test]
    public void MoreRowsThanOneImportTakes_IsRefusedAsAWhole()
    {
        var text = "姓名\n" + string.Join("\n", Enumerable.Range(1, SetupImport.MaxRows + 1).Select(i => $"成员{i}"));

        var plan = Paste(text);

        Assert.That(plan.Rows, Is.Empty);
        Assert.That(plan.AllProblems.Single(), Does.StartWith($"一次最多导入 {SetupImport.MaxRows} 行"));
    }
}
