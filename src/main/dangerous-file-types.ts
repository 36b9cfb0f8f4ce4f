/**
 * File types that can run code or change the system when opened, per OS: the extensions that
 * Chromium's download file-type policy (components/safe_browsing/content/resources/
 * download_file_types.asciipb, read at version 39) rates DANGEROUS or ALLOW_ON_USER_GESTURE —
 * the ones it never opens automatically and warns about — plus `app` (macOS application
 * bundles) and `appimage` (Linux), which that list leaves to the OS. Downpour asks before opening
 * them.
 */
export type DangerPlatform = 'win32' | 'darwin' | 'linux'

const words = (text: string): readonly string[] => text.trim().split(/\s+/)

/** Dangerous on every OS (Java, Flash, browser and office extensions, scripts, firmware). */
const EVERYWHERE = words(`
  swf spl crx class jar jnlp oxt pl py pyc pyd pyo pyw rb efi
`)

/** Unix shell scripts: not run by Windows (Chromium rates them safe there). */
const UNIX_SHELLS = words('bash csh ksh sh shar tcsh')

const WINDOWS = words(`
  msi msp mst ade adp mad maf mag mam maq mar mas mat mav maw mda mdb mde mdt mdw mdz
  accdb accde accdr accda ocx ops paf pcd pif plg prf prg pst cpi partial xrm-ms rels xml xsl
  ps1 ps1xml ps2 ps2xml psc1 psc2 url website js jse vb vbe vbs vbscript ws wsc wsf wsh
  msh msh1 msh2 mshxml msh1xml msh2xml ad app application appref-ms asp asx bas bat cfg chi chm
  cmd com cpl crt cer der dll drv eml exe fon fxp gadget grp hlp hta htt inf ini ins inx isu isp
  job lnk local manifest mau mht mhtml mmc mof msc msg reg rgs scf scr sct search-ms
  settingcontent-ms shb shs slk sys u3p vdx vsx vtx vsdx vssx vstx vsdm vssm vstm vsd vsmacros
  vss vst vsw xbap xnk img
`)

const MAC = words(`
  cdr dart dc42 diskcopy42 dmg dmgpart dvdr dylib img imgpart ndif service smi sparsebundle
  sparseimage toast udif action definition wflow caction as cpgz command applescript scpt scptd
  seplugin osas osax mpkg pax workflow xip mobileconfig configprofile internetconnect
  networkconnect pkg app
`)

const LINUX = words('pkg deb pet pup rpm slp out run desktop apk appimage')

const BY_PLATFORM: Record<DangerPlatform, ReadonlySet<string>> = {
  win32: new Set([...EVERYWHERE, ...WINDOWS]),
  darwin: new Set([...EVERYWHERE, ...UNIX_SHELLS, ...MAC]),
  linux: new Set([...EVERYWHERE, ...UNIX_SHELLS, ...LINUX]),
}

/** Whether opening a file with this extension (no dot, any case) can run code on `platform`. */
export function isDangerousExtension(extension: string, platform: DangerPlatform): boolean {
  return BY_PLATFORM[platform].has(extension.toLowerCase())
}

/** Node's platform names folded to the three the table knows (BSDs behave like Linux here). */
export function dangerPlatform(platform: string): DangerPlatform {
  return platform === 'win32' || platform === 'darwin' ? platform : 'linux'
}
