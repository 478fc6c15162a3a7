using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Evaluation.Web.Features.Accounts;

public static class Passwords
{
    public const int MinLength = 10;
    public const int MaxFailedLogins = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    // No 0/O, 1/l/I: passwords are read off a screen and typed by hand.
    private const string Alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private static readonly PasswordHasher<object> Hasher = new();
    private static readonly object NoUser = new();

    // Verified against when the user name is unknown, so a miss takes as long as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(NoUser, Generate());

    public static string Generate() =>
        string.Concat(Enumerable.Range(0, 16).Select(_ => Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)]));

    public static string Hash(string password) => Hasher.HashPassword(NoUser, password);

    public static bool Verify(string? hash, string password) =>
        Hasher.VerifyHashedPassword(NoUser, hash ?? DummyHash, password) != PasswordVerificationResult.Failed && hash is not null;

    public static string? Problem(string? password) =>
        string.IsNullOrEmpty(password) || password.Length < MinLength ? $"密码至少 {MinLength} 位，请重新设置。"
        : password.Length > 128 ? "密码不能超过 128 位。"
        : null;
}
