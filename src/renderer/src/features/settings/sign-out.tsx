import { useState } from 'react'
import { useAppStore } from '../../store/app-store.ts'

export const signOutText = {
  signOut: 'Sign out',
  failed: 'Could not sign out; try again.',
} as const

/**
 * Ends this browser's `downpour serve` session (POST /logout drops it on the server and closes
 * its sockets) and shows the server's sign-in page. Only in a browser tab: the desktop window
 * has no session.
 */
export function SignOutButton() {
  const host = useAppStore((s) => s.connection.host)
  const [failed, setFailed] = useState(false)
  if (host !== 'browser') return null
  const signOut = async (): Promise<void> => {
    try {
      const response = await fetch('/logout', { method: 'POST', credentials: 'same-origin' })
      if (!response.ok) throw new Error(String(response.status))
      window.location.assign('/')
    } catch {
      setFailed(true)
    }
  }
  return (
    <>
      <span className="settings__saved" aria-live="polite">
        {failed ? signOutText.failed : ''}
      </span>
      <button type="button" className="button" onClick={() => void signOut()}>
        {signOutText.signOut}
      </button>
    </>
  )
}
