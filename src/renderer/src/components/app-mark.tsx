/** The Downpour mark: a drop carrying a downward arrow. Decorative; the name is written next to it. */
export function AppMark() {
  return (
    <svg
      className="app-mark"
      viewBox="0 0 24 24"
      width="20"
      height="20"
      aria-hidden="true"
      focusable="false"
    >
      <path
        d="M12 2.5c3.6 4.3 6.5 8 6.5 11.6a6.5 6.5 0 0 1-13 0C5.5 10.5 8.4 6.8 12 2.5Z"
        fill="currentColor"
        opacity="0.18"
      />
      <path
        d="M12 2.5c3.6 4.3 6.5 8 6.5 11.6a6.5 6.5 0 0 1-13 0C5.5 10.5 8.4 6.8 12 2.5Z"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
        strokeLinejoin="round"
      />
      <path
        d="M12 9v7.5m-3-3 3 3 3-3"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  )
}
