namespace ShardGen.Generator.Tests;

/// <summary>A representative model: every table kind, every key type, every column type, every way to build a row.</summary>
internal static class SampleModel
{
    public const string Shop = """
        using System;
        using ShardGen;

        namespace Sample.Shop
        {
            /// <summary>A tenant: distributed by its own key, which is its whole primary key.</summary>
            [Distributed(nameof(TenantId))]
            public sealed record Tenant(long TenantId, string Name, DateTimeOffset CreatedAt);

            /// <summary>An order, in the default int8 group with every long-keyed table; looked up by customer name too.</summary>
            [Distributed(nameof(TenantId))]
            [Index(nameof(TenantId), nameof(CustomerName))]
            public sealed record Order(long TenantId, long Id, string CustomerName, decimal Total, OrderStatus Status, string? Note);

            /// <summary>A tag of a tenant: every column is in the primary key, so there is no UpdateAsync and upserts do nothing on conflict.</summary>
            [Distributed(nameof(TenantId))]
            public sealed record TenantTag([property: PrimaryKey] long TenantId, [property: PrimaryKey(Order = 1)] string Tag);

            /// <summary>A line of an order, colocated with orders explicitly, with a composite key; deleted with its order.</summary>
            [Distributed(nameof(TenantId), ColocateWith = typeof(Order))]
            [ForeignKey(typeof(Order), nameof(TenantId), nameof(OrderId), OnDelete = ReferentialAction.Cascade)]
            public sealed record OrderItem(
                long TenantId,
                [property: PrimaryKey(Order = 1)] long OrderId,
                [property: PrimaryKey(Order = 2)] int LineNumber,
                string Sku,
                int Quantity,
                decimal UnitPrice);

            /// <summary>The state of an order.</summary>
            public enum OrderStatus
            {
                /// <summary>Placed.</summary>
                Pending,

                /// <summary>Paid.</summary>
                Paid,

                /// <summary>Shipped.</summary>
                Shipped,
            }

            /// <summary>A device, keyed by a Guid, in a group of its own; no Id, so the key alone is the primary key.</summary>
            [Distributed(nameof(DeviceId), Colocation = "none")]
            public sealed record Device(Guid DeviceId, string Model, DateTime LastSeen);

            /// <summary>An account keyed by a string, with the table named explicitly.</summary>
            [Distributed(nameof(Email), Table = "user_accounts")]
            public sealed record UserAccount(string Email, string DisplayName, bool IsAdmin);

            /// <summary>A country: a reference table with a string key.</summary>
            [Reference]
            public sealed record Country(string Id, string Name, int? Population);

            /// <summary>A plan: a reference table with an int key.</summary>
            [Reference]
            public sealed record Plan(int Id, string Name, decimal MonthlyPrice, int MaxUsers);

            /// <summary>An invoice: a class with init and set properties instead of a positional record.</summary>
            [Distributed(nameof(TenantId))]
            public sealed class Invoice
            {
                /// <summary>The tenant.</summary>
                public long TenantId { get; init; }

                /// <summary>The invoice.</summary>
                public long Id { get; init; }

                /// <summary>The invoice number.</summary>
                public string Number { get; init; } = "";

                /// <summary>The amount due.</summary>
                public decimal Amount { get; set; }

                /// <summary>When it was paid.</summary>
                public DateOnly? PaidOn { get; set; }

                /// <summary>Computed: not a column.</summary>
                [NotMapped]
                public bool IsPaid => PaidOn is not null;
            }

            /// <summary>A rate between two currencies: [Column] and [PrimaryKey] overrides, and a table name.</summary>
            [Reference(Table = "currency_rates")]
            public sealed record ExchangeRate(
                [property: PrimaryKey(Order = 0), Column("from_currency")] string From,
                [property: PrimaryKey(Order = 1), Column("to_currency")] string To,
                [property: Column("rate")] decimal Value);

            /// <summary>How urgent a measurement is: an enum on a short.</summary>
            public enum Priority : short
            {
                /// <summary>Low.</summary>
                Low,

                /// <summary>High.</summary>
                High,
            }

            /// <summary>Where a measurement came from: an enum on a uint, widened to bigint.</summary>
            public enum Channel : uint
            {
                /// <summary>Web.</summary>
                Web = 1,

                /// <summary>Mobile.</summary>
                Mobile = 4_000_000_000,
            }

            /// <summary>Every supported column type and its nullable form.</summary>
            [Distributed(nameof(TenantId))]
            public sealed record Measurement(
                long TenantId, long Id,
                bool Flag, bool? MaybeFlag,
                short Small, short? MaybeSmall,
                byte Tiny, byte? MaybeTiny,
                sbyte SignedTiny, sbyte? MaybeSignedTiny,
                int Number, int? MaybeNumber,
                ushort Port, ushort? MaybePort,
                long Big, long? MaybeBig,
                uint Counter, uint? MaybeCounter,
                decimal Amount, decimal? MaybeAmount,
                float Ratio, float? MaybeRatio,
                double Precise, double? MaybePrecise,
                string Label, string? MaybeLabel,
                Guid Token, Guid? MaybeToken,
                DateTime At, DateTime? MaybeAt,
                DateTimeOffset Observed, DateTimeOffset? MaybeObserved,
                DateOnly Day, DateOnly? MaybeDay,
                TimeOnly Clock, TimeOnly? MaybeClock,
                TimeSpan Duration, TimeSpan? MaybeDuration,
                byte[] Payload, byte[]? MaybePayload,
                Priority Level, Priority? MaybeLevel,
                Channel Source, Channel? MaybeSource);
        }

        namespace Sample.Settings
        {
            /// <summary>A setting of the application: a local table keyed by a [PrimaryKey] that is not named Id.</summary>
            [Local]
            public sealed record AppSetting([property: PrimaryKey] string Key, string Value);

            /// <summary>A feature switch: a record struct.</summary>
            [Local]
            public readonly record struct FeatureFlag(string Id, bool Enabled);
        }
        """;
}
