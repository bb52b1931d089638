// Client-side routes on real paths (history API), so a reload or a shared link opens the same screen:
// the host answers index.html for any path that is not a file (devhost: StaticFiles; Azure Static Web
// Apps: navigationFallback in staticwebapp.config.json).

/** What a screen leaves behind to stop (a chat's connection) when another screen replaces it. */
export type Teardown = () => void;

export interface Route {
  pattern: RegExp;
  render: (params: string[]) => Teardown | void;
}

export class Router {
  private teardown: Teardown | undefined;

  constructor(
    private readonly routes: Route[],
    private readonly notFound: () => void,
  ) {
    window.addEventListener("popstate", () => this.render());
    // Links marked data-route navigate in place instead of loading the page again.
    document.addEventListener("click", (event) => {
      const link = (event.target as Element).closest?.("a[data-route]");
      if (link instanceof HTMLAnchorElement && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
        event.preventDefault();
        this.go(link.pathname);
      }
    });
  }

  go(path: string, replace = false): void {
    if (replace) {
      history.replaceState(null, "", path);
    } else if (path !== location.pathname) {
      history.pushState(null, "", path);
    }
    this.render();
  }

  render(): void {
    this.teardown?.();
    this.teardown = undefined;
    for (const route of this.routes) {
      const match = route.pattern.exec(location.pathname);
      if (match) {
        this.teardown = route.render(match.slice(1).map(decodeURIComponent)) ?? undefined;
        return;
      }
    }
    this.notFound();
  }
}
