package ai.mozaiks.identity;

import java.util.List;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * Finds the trust record of a token's {@code iss} and {@code aud}; empty when the pair is not trusted. The platform
 * issuer is found by {@code iss} alone (its audience is checked with the signature); an app's issuer only together
 * with that app's own audience, so one issuer can serve many apps and a token for one app never opens another.
 */
public interface TrustedIssuers {

    Mono<Optional<TrustedIssuer>> find(String issuer, List<String> audiences);

    /**
     * The platform issuer first, then the apps' own issuers: an app can never shadow the platform issuer. An app
     * lookup can only grant APP trust for the issuer and one of the audiences it was asked about: a PLATFORM or
     * mismatched answer is ignored, so a bad app record can never make its users platform administrators.
     */
    static TrustedIssuers of(TrustedIssuers platform, TrustedIssuers appIssuers) {
        return (issuer, audiences) -> platform.find(issuer, audiences)
                .defaultIfEmpty(Optional.empty())
                .flatMap(found -> found.isPresent()
                        ? Mono.just(found)
                        : appIssuers.find(issuer, audiences)
                                .defaultIfEmpty(Optional.empty())
                                .map(app -> app.filter(trusted -> trusted.kind() == TrustedIssuer.Kind.APP
                                        && trusted.issuer().equals(issuer) && audiences.contains(trusted.audience()))));
    }
}
