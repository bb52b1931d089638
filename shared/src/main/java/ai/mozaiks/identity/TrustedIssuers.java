package ai.mozaiks.identity;

import java.util.Optional;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/** Finds the trust record of a token's {@code iss}; empty when the issuer is not trusted. */
public interface TrustedIssuers {

    Mono<Optional<TrustedIssuer>> find(String issuer);

    /**
     * The platform issuer first, then the apps' own issuers. An app lookup can only grant APP trust
     * for the issuer it was asked about: a PLATFORM or mismatched answer is ignored, so a bad app
     * record can never make its users platform administrators.
     */
    static TrustedIssuers of(TrustedIssuers platform, Function<String, Mono<Optional<TrustedIssuer>>> appIssuers) {
        return issuer -> platform.find(issuer)
                .defaultIfEmpty(Optional.empty())
                .flatMap(found -> found.isPresent()
                        ? Mono.just(found)
                        : appIssuers.apply(issuer)
                                .defaultIfEmpty(Optional.empty())
                                .map(app -> app.filter(trusted -> trusted.kind() == TrustedIssuer.Kind.APP
                                        && trusted.issuer().equals(issuer))));
    }
}
