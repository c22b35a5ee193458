<#-- THIRD-PARTY.txt of the global-sessions launcher: one line per library, with its licences. -->
<#function artifactFormat p>
  <#return p.groupId + ":" + p.artifactId + ":" + p.version + (p.url?? && p.url?has_content)?then(" (" + p.url + ")", "")>
</#function>
global-sessions bundles the following third-party libraries in global-sessions.jar.
Each is distributed under the licence(s) named beside it (as its POM declares).
The licence texts are published by each project (see its URL).

<#list dependencyMap as e>
<#assign project = e.getKey()/>
<#assign licenses = e.getValue()/>
  (${licenses?join(") (")}) ${artifactFormat(project)}
</#list>
