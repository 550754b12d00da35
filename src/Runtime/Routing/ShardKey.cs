using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// A distribution key value of any supported type, passed by value so that routing allocates nothing.
/// Converts implicitly from <see cref="int"/>, <see cref="long"/>, <see cref="string"/> and <see cref="Guid"/>.
/// </summary>
public readonly struct ShardKey : IEquatable<ShardKey>
{
    private readonly long _integer;
    private readonly Guid _uuid;
    private readonly string? _text;

    private ShardKey(DistributionKeyType type, long integer, string? text, Guid uuid)
    {
        Type = type;
        HasValue = true;
        _integer = integer;
        _text = text;
        _uuid = uuid;
    }

    /// <summary>No key: for reference and local tables, and for calls that are not scoped to one key.</summary>
    public static ShardKey None => default;

    public bool HasValue { get; }

    public DistributionKeyType Type { get; }

    public static implicit operator ShardKey(int value) => new(DistributionKeyType.Int32, value, null, default);

    public static implicit operator ShardKey(long value) => new(DistributionKeyType.Int64, value, null, default);

    public static implicit operator ShardKey(string value) =>
        new(DistributionKeyType.Text, 0, value ?? throw new ArgumentNullException(nameof(value), "A distribution key cannot be null."), default);

    public static implicit operator ShardKey(Guid value) => new(DistributionKeyType.Uuid, 0, null, value);

    /// <summary>The key's hash, as PostgreSQL's hash function for the key's type computes it.</summary>
    public int Hash() => Type switch
    {
        _ when !HasValue => throw new InvalidOperationException("No distribution key was given."),
        DistributionKeyType.Int32 => PostgresHash.HashInt4((int)_integer),
        DistributionKeyType.Int64 => PostgresHash.HashInt8(_integer),
        DistributionKeyType.Text => PostgresHash.HashText(_text!),
        DistributionKeyType.Uuid => PostgresHash.HashUuid(_uuid),
        _ => throw new InvalidOperationException($"Unknown key type {Type}."),
    };

    public bool Equals(ShardKey other) =>
        HasValue == other.HasValue && Type == other.Type && _integer == other._integer && _uuid == other._uuid && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is ShardKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(HasValue, Type, _integer, _uuid, _text);

    /// <summary>
    /// The key's value, whole. Error messages do not use it: they name a key by <see cref="ForMessage"/>,
    /// which shows the value only when the data source includes error detail.
    /// </summary>
    public override string ToString() => !HasValue ? "(none)" : Type switch
    {
        DistributionKeyType.Text => _text!,
        DistributionKeyType.Uuid => _uuid.ToString(),
        _ => _integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>How many characters of a text key an error message shows, when it shows the value at all.</summary>
    internal const int MessageValueLength = 64;

    /// <summary>
    /// How an error message names the key. Keys are often personal data (an e-mail address, a customer
    /// number), so without <paramref name="includeValue"/> only the key's type (and a text key's length)
    /// is shown, as Npgsql redacts a server error's detail unless <c>Include Error Detail</c> is set; the
    /// shard the message names already says where the key went. With it, the value is shown, a text key
    /// quoted and cut after <see cref="MessageValueLength"/> characters.
    /// </summary>
    internal string ForMessage(bool includeValue)
    {
        if (!HasValue)
        {
            return "(none)";
        }

        var type = Type.SqlType();
        if (!includeValue)
        {
            var what = Type == DistributionKeyType.Text ? FormattableString.Invariant($"{type}, {_text!.Length} characters") : type;
            return $"redacted ({what}; IncludeErrorDetail() shows it)";
        }

        if (Type != DistributionKeyType.Text)
        {
            return ToString();
        }

        if (_text!.Length <= MessageValueLength)
        {
            return $"'{_text}'";
        }

        var shown = Failures.Prefix(_text, MessageValueLength);
        return FormattableString.Invariant($"'{shown}…' (the first {shown.Length} of {_text.Length} characters)");
    }
}
