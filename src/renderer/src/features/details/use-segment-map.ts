import { useEffect, useState, useSyncExternalStore } from 'react'
import type { SegmentMap } from '../../../../shared/protocol/details.ts'
import { ask, currentLink, listen, onLinkChange } from '../../store/engine-door.ts'

/**
 * Watches one download's connection map while mounted: `watchSegments` gives the first map,
 * then each `segments/beat` carrying this id replaces it; unmounting or another id unwatches
 * (the engine sends segment state only while someone watches). The panel is keyed by id, so
 * a new id is a new mount and starts from null.
 *
 * A watch belongs to one connection: the engine ends it when the client goes away. So each new
 * client (a reconnection, an engine restart) is asked again, and its first map replaces the
 * one shown, which stopped moving with the old connection.
 */
export function useSegmentMap(id: string): SegmentMap | null {
  const [map, setMap] = useState<SegmentMap | null>(null)
  const link = useSyncExternalStore(onLinkChange, currentLink)
  useEffect(() => {
    if (link === null) return
    let live = true
    // A beat from this client is newer than the answer to the watch: the answer must not
    // replace it. Before either, the old connection's map is stale and is replaced.
    let beaten = false
    const off = listen('segments/beat', (beat) => {
      const item = beat.items.find((m) => m.id === id)
      if (item && live) {
        beaten = true
        setMap(item)
      }
    })
    void ask('watchSegments', id).then((first) => {
      if (first.ok && live && !beaten) setMap(first.value)
    })
    return () => {
      live = false
      off()
      void ask('unwatchSegments', id)
    }
  }, [id, link])
  return map
}
