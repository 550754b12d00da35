using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0018: an index option its method does not support (unique but not btree; INCLUDE on hash, gin, brin).</summary>
public sealed class SG0018Tests
{
    [Fact]
    public async Task Include_on_a_gin_index_is_an_error_on_Include()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Index(nameof(Tags), Method = IndexMethod.Gin, {|SG0018:Include = new[] { nameof(Code) }|})]
            public sealed record Country(long Id, string Code, string Tags);
            """);
    }

    [Fact]
    public async Task A_unique_hash_index_is_an_error_on_Method()
    {
        await SingleAsync(Usings + """
            [Reference]
            [Index(nameof(Code), IsUnique = true, Method = IndexMethod.Hash)]
            public sealed record Country(long Id, string Code);
            """, "SG0018", "'countries_code_key'", "hash", "only btree indexes can be unique");
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Index(nameof(Code), IsUnique = true, {|SG0018:Method = IndexMethod.Hash|})]
            public sealed record Country(long Id, string Code);
            """);
    }

    [Fact]
    public async Task Include_on_btree_and_gist_indexes_raises_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Index(nameof(Code), Include = new[] { nameof(Name) })]
            [Index(nameof(Area), Method = IndexMethod.Gist, Include = new[] { nameof(Name) })]
            [Index(nameof(Code), IsUnique = true, Method = IndexMethod.BTree)]
            public sealed record Country(long Id, string Code, string Name, string Area);
            """);
    }
}
