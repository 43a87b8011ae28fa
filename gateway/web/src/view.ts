/** A page of the dashboard: mounted into the main area, refreshed on a timer while shown. */
export interface View {
  title: string;
  /** Refresh period in ms (live updates without a page reload). */
  everyMs: number;
  mount(root: HTMLElement): void;
  refresh(): Promise<void>;
}
