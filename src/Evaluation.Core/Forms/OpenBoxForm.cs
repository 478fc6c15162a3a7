namespace Evaluation.Core.Forms;

/// <summary>
/// What an open 征求意见箱 asks of a frozen questionnaire: the questions asked once that take words or choices — text, single
/// and multiple choice, and the 四风 symptom lists. Ratings are left out, because a grade from a box anyone may answer any
/// number of times would read as a rate (满意率) and the box counts nothing as a vote; so are questions about a target,
/// because judging a named cadre is what the one-time slip is for.
/// </summary>
public static class OpenBoxForm
{
    public static bool Asks(Question question) =>
        !question.IsPerTarget && question.Kind is QuestionKind.Text or QuestionKind.SingleChoice or QuestionKind.MultipleChoice or QuestionKind.Symptoms;

    public static Questionnaire Of(Questionnaire questionnaire) =>
        questionnaire with { Questions = questionnaire.Questions.Where(Asks).ToList() };

    /// <summary>The questions the box does not ask, for the organiser to see before publishing.</summary>
    public static IReadOnlyList<Question> LeftOut(Questionnaire questionnaire) => questionnaire.Questions.Where(q => !Asks(q)).ToList();
}
