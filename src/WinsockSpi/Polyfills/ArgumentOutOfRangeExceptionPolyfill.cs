#if !NET10_0_OR_GREATER
namespace WinsockSpi;

/// <summary>
/// Before .NET 10, <see cref="ArgumentOutOfRangeException"/>.ThrowIfEqual requires <see cref="IEquatable{T}"/>, which
/// enums do not implement: this overload lets the net8.0 and net9.0 builds compare an enum argument as .NET 10 does.
/// </summary>
internal static class ArgumentOutOfRangeExceptionPolyfill
{
    extension(ArgumentOutOfRangeException)
    {
        /// <summary>Throws when <paramref name="value"/> equals <paramref name="other"/>.</summary>
        /// <typeparam name="T">The enum type.</typeparam>
        /// <param name="value">The argument.</param>
        /// <param name="other">The value it must not have.</param>
        /// <param name="paramName">The argument's name, filled in by the compiler.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> equals <paramref name="other"/>.</exception>
        public static void ThrowIfEqual<T>(T value, T other, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
            where T : struct, Enum
        {
            if (EqualityComparer<T>.Default.Equals(value, other))
            {
                throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} ('{value}') must not be equal to '{other}'.");
            }
        }
    }
}
#endif
