namespace Evaluation.Web.Infrastructure;

/// <summary>Times are stored in UTC and shown in 北京时间 (UTC+8, no daylight saving), whatever the server's zone.</summary>
public static class ChinaTime
{
    private static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static string Format(DateTimeOffset at) => at.ToOffset(Offset).ToString("yyyy-MM-dd HH:mm:ss");

    public static string Format(DateTime utc) => Format(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)));

    public static DateOnly Today => DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(Offset).DateTime);
}
